import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** A service of compose.yaml, as far as running it without containers needs. */
export interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  profiles?: string[];
  volumes?: string[];
}

/** KEY=value lines; `#` comments and blank lines skipped (the subset of .env that compose reads). */
export function readEnvFile(path: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) vars[match[1] as string] = (match[2] as string).trim();
  }
  return vars;
}

/**
 * Compose's interpolation: `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`,
 * `${NAME?error}`, and `$$` for a literal `$`. An unset required variable throws its message.
 */
export function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g, (whole, name?: string, colon?: string, op?: string, arg?: string) => {
    if (whole === '$$') return '$';
    const value = vars[name as string];
    const missing = value === undefined || (colon === ':' && value === '');
    if (op === '-') return missing ? (arg ?? '') : (value as string);
    if (op === '?' && missing) throw new Error(`compose: ${name}: ${arg}`);
    return value ?? '';
  });
}

/** compose.yaml with its variables filled in and its YAML merge keys (`<<:`) applied. */
export function readCompose(path: string, vars: Record<string, string>): { services: Record<string, ComposeService> } {
  const file = parse(interpolate(readFileSync(path, 'utf8'), vars), { merge: true }) as { services: Record<string, ComposeService> };
  for (const service of Object.values(file.services)) {
    if (service.environment) {
      service.environment = Object.fromEntries(Object.entries(service.environment).map(([k, v]) => [k, String(v)]));
    }
  }
  return file;
}

/** The services in an order that starts each after the ones it depends on. */
export function startOrder(services: Record<string, ComposeService>, names: readonly string[]): string[] {
  const order: string[] = [];
  const visit = (name: string, path: string[]) => {
    if (order.includes(name) || !names.includes(name)) return;
    if (path.includes(name)) throw new Error(`compose: depends_on cycle ${[...path, name].join(' → ')}`);
    for (const dependency of Object.keys(services[name]?.depends_on ?? {})) visit(dependency, [...path, name]);
    order.push(name);
  };
  for (const name of names) visit(name, []);
  return order;
}
