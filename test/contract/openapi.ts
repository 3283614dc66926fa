import type { Exchange } from './http.ts';

/** The parts of /openapi.json the checks read. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, { required?: string[]; properties?: Record<string, unknown> }> };
}

export interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; schema?: { default?: unknown } }[];
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: { $ref?: string } }> }>;
}

export const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'] as const;

/** Every operation of the document, with its path template. */
export function operationsOf(doc: OpenApiDocument): { method: string; path: string; operation: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ method, path, operation: item[method]! })),
  );
}

// Served on the public port but deliberately not described: the API explorer, and the
// peer-to-peer routes (which a client only ever sees refused).
const UNDESCRIBED = [/^\/docs(\/|$)/, /^\/internal(\/|$)/, /^\/events$/, /^\/_gateway\//];
// Answered by the HTTP parser before any route is chosen, so no operation can promise them.
const BEFORE_ROUTING = new Set([414, 431]);

const isParam = (segment: string) => /^\{[^}]+\}$/.test(segment);

/**
 * The operation a request reached, as the router picks it: among the templates that match the
 * path and have the method, the one with the most literal segments (`/stats` before `/{code}`).
 * HEAD is answered by the GET route.
 */
export function findOperation(doc: OpenApiDocument, method: string, path: string): { template: string; operation: Operation } | null {
  const pathname = path.split('?')[0]!;
  if (UNDESCRIBED.some((re) => re.test(pathname))) return null;
  const segments = pathname.split('/');
  const verb = method.toLowerCase();
  let best: { template: string; operation: Operation; literals: number } | null = null;
  for (const [template, item] of Object.entries(doc.paths)) {
    const parts = template.split('/');
    if (parts.length !== segments.length) continue;
    if (!parts.every((part, i) => (isParam(part) ? segments[i] !== '' : part === segments[i]))) continue;
    const operation = item[verb] ?? (verb === 'head' ? item.get : undefined);
    if (!operation) continue;
    const literals = parts.filter((part) => !isParam(part)).length;
    if (!best || literals > best.literals) best = { template, operation, literals };
  }
  return best && { template: best.template, operation: best.operation };
}

/** Each status the client saw on a described route that its operation does not document, once. */
export function undocumentedStatuses(doc: OpenApiDocument, exchanges: readonly Exchange[]): string[] {
  const missing = new Map<string, string>();
  for (const { method, path, status } of exchanges) {
    if (BEFORE_ROUTING.has(status)) continue;
    const found = findOperation(doc, method, path);
    if (!found) continue;
    const responses = found.operation.responses ?? {};
    if (!(String(status) in responses) && !(`${String(status)[0]}XX` in responses) && !('default' in responses)) {
      const key = `${method} ${found.template} (${found.operation.operationId ?? 'no operationId'}) answered ${status}`;
      if (!missing.has(key)) missing.set(key, `${key}, e.g. ${path}`);
    }
  }
  return [...missing.values()];
}
