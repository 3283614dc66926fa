// How one variable's text becomes a typed value. A parser throws ConfigError naming the variable.

export class ConfigError extends Error {
  constructor(variable: string, expected: string, got: string) {
    super(`Invalid configuration: ${variable}=${JSON.stringify(got)}; expected ${expected}.`);
  }
}

/** A setting this process cannot run without is unset: the message says how to set it. */
export class MissingConfigError extends ConfigError {
  constructor(variable: string, how: string) {
    super(variable, '', '');
    this.message = `Missing configuration: ${variable} is not set. ${how}`;
  }
}

export interface Parser<T> {
  /** What a valid value looks like, for the docs. */
  format: string;
  /** `raw` is the trimmed text, undefined when unset or blank; `fallback` is the default. */
  read(name: string, raw: string | undefined, fallback: T): T;
}

export const string = (): Parser<string> => ({ format: 'text', read: (_name, raw, fallback) => raw ?? fallback });

export const optionalString = (): Parser<string | null> => ({ format: 'text', read: (_name, raw, fallback) => raw ?? fallback });

export const integer = (min: number, max = Number.MAX_SAFE_INTEGER): Parser<number> => ({
  format: max === Number.MAX_SAFE_INTEGER ? `integer ≥ ${min}` : `integer ${min}..${max}`,
  read(name, raw, fallback) {
    if (raw === undefined) return fallback;
    const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
    return n;
  },
});

/** `true` or `false` (any case); anything else is refused rather than read as false. */
export const boolean = (): Parser<boolean> => ({
  format: 'true or false',
  read(name, raw, fallback) {
    if (raw === undefined) return fallback;
    const value = raw.toLowerCase();
    if (value !== 'true' && value !== 'false') throw new ConfigError(name, 'true or false', raw);
    return value === 'true';
  },
});

export const port = (): Parser<number> => ({ ...integer(0, 65_535), format: 'port' });

/** An http(s) URL; the default is checked too, since it may be built from other settings. */
export const url = (options: { trimSlashes?: boolean } = {}): Parser<string> => ({
  format: 'http(s) URL',
  read(name, raw, fallback) {
    const value = raw ?? fallback;
    if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) throw new ConfigError(name, 'an http(s) URL', value);
    return options.trimSlashes ? value.replace(/\/+$/, '') : value;
  },
});

export const optionalUrl = (): Parser<string | null> => ({
  format: 'URL',
  read(name, raw, fallback) {
    if (raw !== undefined && !URL.canParse(raw)) throw new ConfigError(name, 'a URL', raw);
    return raw ?? fallback;
  },
});

/** Comma-separated; blanks dropped. With `item`, each entry must match it. */
export const list = (item?: { pattern: RegExp; expected: string }): Parser<readonly string[]> => ({
  format: 'comma-separated list',
  read(name, raw, fallback) {
    if (raw === undefined) return fallback;
    const values = raw.split(',').map((s) => s.trim()).filter(Boolean);
    if (item && values.some((v) => !item.pattern.test(v))) throw new ConfigError(name, item.expected, raw);
    return values;
  },
});

/** Case-insensitive; `normalise` maps accepted spellings to the canonical value. */
export const oneOf = <T extends string>(allowed: readonly string[], normalise = (v: string) => v as T): Parser<T> => ({
  format: `one of ${allowed.join(', ')}`,
  read(name, raw, fallback) {
    const value = raw?.toLowerCase() ?? fallback;
    if (!allowed.includes(value)) throw new ConfigError(name, `one of ${allowed.join(', ')}`, raw ?? value);
    return normalise(value);
  },
});

export const databaseUrl = (): Parser<string> => ({
  format: 'sqlite:<path> or postgres://…',
  read(name, raw, fallback) {
    const value = raw ?? fallback;
    if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(value)) {
      throw new ConfigError(name, 'sqlite:<path> or postgres://user@host:port/db', value);
    }
    return value;
  },
});
