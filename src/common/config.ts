import { readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { SETTINGS, type Setting } from './config.table.ts';
import type { Config, FieldPath, Reader, TopField } from './config.types.ts';

export { ConfigError, MissingConfigError } from './config.parsers.ts';
export { SETTINGS, type Setting } from './config.table.ts';
export type { AuthMode, ClickWriterMode, Config, Mode, RateLimitConfig, Reader, ServiceName } from './config.types.ts';

type Env = Record<string, string | undefined>;
type Row = (typeof SETTINGS)[number];

/** Reads, validates and freezes every setting once at start, row by row. Throws ConfigError naming the variable. */
export function loadConfig(env: Env = withDotenv(process.env)): Readonly<Config> {
  const config: Record<string, unknown> = {};
  for (const setting of SETTINGS as readonly Setting[]) {
    const blank = env[setting.env]?.trim();
    const fallback = typeof setting.default === 'function' ? setting.default(config as unknown as Config) : setting.default;
    const value = setting.parse.read(setting.env, blank === '' ? undefined : blank, fallback as never);
    const [field, key] = setting.field.split('.') as [string, string | undefined];
    if (key === undefined) config[field] = value;
    else config[field] = { ...(config[field] as object | undefined), [key]: value };
  }
  for (const value of Object.values(config)) if (typeof value === 'object' && value !== null) Object.freeze(value);
  return Object.freeze(config) as unknown as Config;
}

/** The Config fields `reader` reads, as the table says: its own rows and the 'all' ones. */
export type ConfigSlice<R extends Reader> = Pick<Config, SliceField<R>>;
type SliceField<R extends Reader> = Row extends infer S
  ? S extends { field: infer P extends FieldPath; readers: infer W }
    ? W extends 'all'
      ? TopField<P>
      : R extends (W extends readonly (infer E)[] ? E : never)
        ? TopField<P>
        : never
    : never
  : never;

/** Gives one module or process only its settings; a grouped field (servicePorts, …) comes whole. */
export function configSlice<R extends Reader>(config: Readonly<Config>, reader: R): Readonly<ConfigSlice<R>> {
  const slice: Record<string, unknown> = {};
  for (const setting of SETTINGS as readonly Setting[]) {
    if (setting.readers !== 'all' && !setting.readers.includes(reader)) continue;
    const field = setting.field.split('.')[0] as keyof Config;
    slice[field] = config[field];
  }
  return Object.freeze(slice) as unknown as ConfigSlice<R>;
}

// Every Config field is filled by some row: a field added to Config without a row fails to compile.
type Unfilled = Exclude<keyof Config, TopField<Row['field']>>;
const _everyFieldHasARow: [Unfilled] extends [never] ? true : Unfilled = true;

/** process.env wins over .env, as dotenv does by default. */
function withDotenv(env: Env): Env {
  let fromFile: Env = {};
  try {
    fromFile = parseDotenv(readFileSync('.env'));
  } catch {
    // No .env file: the environment alone is the configuration.
  }
  return { ...fromFile, ...env };
}
