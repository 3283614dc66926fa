import { readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';

export type Mode = 'monolith' | 'microservices';
export type AuthMode = 'apikey' | 'header';
export type ServiceName = 'auth' | 'links' | 'redirector' | 'analytics' | 'gateway';

export interface Config {
  mode: Mode;
  host: string;
  /** The public port: the monolith's, or the gateway's in microservices mode. */
  port: number;
  baseUrl: string;
  databaseUrl: string;
  moduleDatabaseUrls: Readonly<Record<'auth' | 'links' | 'analytics', string>>;
  redisUrl: string | null;
  servicePorts: Readonly<Record<Exclude<ServiceName, 'gateway'>, number>>;
  serviceUrls: Readonly<Record<Exclude<ServiceName, 'gateway'>, string>>;
  /** Extra redirector replicas' URLs the gateway balances across (set by the supervisor). */
  redirectorUrls: readonly string[];
  internalToken: string | null;
  authMode: AuthMode;
  users: readonly string[];
  logLevel: string;
  dataDir: string;
  cacheMax: number;
  cacheTtlMs: number;
  clickFlushMs: number;
  clickBatchMax: number;
  bodyLimitBytes: number;
  supervisorPort: number;
  /** Proxies whose X-Forwarded-For is believed (proxy-addr syntax); the gateway runs on loopback. */
  trustProxy: string;
  /** Where this redirector spools undelivered clicks; default data/spool/redirector-<port>. */
  spoolDir: string | null;
  /** Requests a minute per client IP and per API key on /api/*, password guesses per IP, link creations per key; 0 disables. */
  rateLimits: Readonly<RateLimitConfig>;
  /** PostgreSQL: the server cancels a statement after this long; the client gives up a little later. */
  dbStatementTimeoutMs: number;
  /** PostgreSQL: how long opening a connection may take. */
  dbConnectTimeoutMs: number;
  /** SQLite: how long one statement waits for another process's lock before retrying asynchronously. */
  sqliteBusyTimeoutMs: number;
  /** How long /ready waits for each dependency before naming it as failing. */
  readyTimeoutMs: number;
  /** How long a link listing waits for click totals before showing them as unknown (null). */
  clickTotalsTimeoutMs: number;
  /** Set by `morphlink up` on each child: shown in /health so the supervisor knows its own. */
  instanceId: string | null;
  /** How long a redirector waits for POST /events before it spools the batch. */
  clickSendTimeoutMs: number;
  /** Seeds visitor hashes; when unset, one is generated once and kept in DATA_DIR/visitor-secret. */
  visitorSecret: string | null;
}

export interface RateLimitConfig {
  apiPerMin: number;
  createPerMin: number;
  passwordPerMin: number;
}

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

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads, validates and freezes every setting once at start. Throws ConfigError naming the variable. */
export function loadConfig(env: Env = withDotenv(process.env)): Readonly<Config> {
  const read = reader(env);
  const mode = read.oneOf('MODE', 'monolith', ['monolith', 'microservices', 'microservice'], (v) =>
    v === 'microservice' ? 'microservices' : v,
  ) as Mode;
  const host = read.string('HOST', '127.0.0.1');
  const port = read.port('PORT', 8000);
  const databaseUrl = read.databaseUrl('DATABASE_URL', 'sqlite:./data/morphlink.db');
  const servicePorts = {
    links: read.port('LINKS_PORT', 8001),
    redirector: read.port('REDIRECTOR_PORT', 8002),
    analytics: read.port('ANALYTICS_PORT', 8003),
    auth: read.port('AUTH_PORT', 8004),
  };
  const local = (p: number): string => `http://127.0.0.1:${p}`;
  const config: Config = {
    mode,
    host,
    port,
    baseUrl: read.url('BASE_URL', `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(/\/+$/, ''),
    databaseUrl,
    moduleDatabaseUrls: {
      auth: read.databaseUrl('AUTH_DATABASE_URL', databaseUrl),
      links: read.databaseUrl('LINKS_DATABASE_URL', databaseUrl),
      analytics: read.databaseUrl('ANALYTICS_DATABASE_URL', databaseUrl),
    },
    redisUrl: read.optionalUrl('REDIS_URL'),
    servicePorts,
    serviceUrls: {
      links: read.url('LINKS_URL', local(servicePorts.links)),
      redirector: read.url('REDIRECTOR_URL', local(servicePorts.redirector)),
      analytics: read.url('ANALYTICS_URL', local(servicePorts.analytics)),
      auth: read.url('AUTH_URL', local(servicePorts.auth)),
    },
    redirectorUrls: read.list('REDIRECTOR_URLS', []),
    internalToken: read.optionalString('INTERNAL_TOKEN'),
    authMode: read.oneOf('AUTH_MODE', 'apikey', ['apikey', 'header']) as AuthMode,
    users: read.list('USERS', ['alice', 'bob']),
    logLevel: read.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    dataDir: read.string('DATA_DIR', './data'),
    cacheMax: read.integer('CACHE_MAX', 10_000, 0),
    cacheTtlMs: read.integer('CACHE_TTL_MS', 30_000, 0),
    clickFlushMs: read.integer('CLICK_FLUSH_MS', 100, 1),
    clickBatchMax: read.integer('CLICK_BATCH_MAX', 5_000, 1),
    bodyLimitBytes: read.integer('BODY_LIMIT_BYTES', 1_048_576, 1024),
    supervisorPort: read.port('SUPERVISOR_PORT', 8009),
    trustProxy: read.string('TRUST_PROXY', 'loopback'),
    spoolDir: read.optionalString('SPOOL_DIR'),
    rateLimits: {
      apiPerMin: read.integer('RATE_LIMIT_API_PER_MIN', 600, 0),
      createPerMin: read.integer('RATE_LIMIT_CREATE_PER_MIN', 120, 0),
      passwordPerMin: read.integer('RATE_LIMIT_PASSWORD_PER_MIN', 10, 0),
    },
    dbStatementTimeoutMs: read.integer('DB_STATEMENT_TIMEOUT_MS', 5_000, 100),
    dbConnectTimeoutMs: read.integer('DB_CONNECT_TIMEOUT_MS', 5_000, 100),
    sqliteBusyTimeoutMs: read.integer('SQLITE_BUSY_TIMEOUT_MS', 50, 0, 10_000),
    readyTimeoutMs: read.integer('READY_TIMEOUT_MS', 2_000, 100),
    clickTotalsTimeoutMs: read.integer('CLICK_TOTALS_TIMEOUT_MS', 1_000, 10),
    instanceId: read.optionalString('MORPHLINK_INSTANCE'),
    clickSendTimeoutMs: read.integer('CLICK_SEND_TIMEOUT_MS', 1_000, 50, 60_000),
    visitorSecret: read.optionalString('VISITOR_SECRET'),
  };
  if (config.users.some((u) => !/^[A-Za-z0-9_.-]{1,64}$/.test(u))) {
    throw new ConfigError('USERS', 'a comma-separated list of user names ([A-Za-z0-9_.-])', env.USERS ?? '');
  }
  return Object.freeze(config);
}

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

function reader(env: Env) {
  const raw = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const integer = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const value = raw(name);
    if (value === undefined) return fallback;
    const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new ConfigError(name, `an integer from ${min} to ${max}`, value);
    }
    return n;
  };
  const url = (name: string, fallback: string): string => {
    const value = raw(name) ?? fallback;
    if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
      throw new ConfigError(name, 'an http(s) URL', value);
    }
    return value;
  };
  return {
    string: (name: string, fallback: string) => raw(name) ?? fallback,
    optionalString: (name: string) => raw(name) ?? null,
    integer,
    port: (name: string, fallback: number) => integer(name, fallback, 0, 65_535),
    url,
    optionalUrl: (name: string): string | null => {
      const value = raw(name);
      if (value !== undefined && !URL.canParse(value)) throw new ConfigError(name, 'a URL', value);
      return value ?? null;
    },
    list: (name: string, fallback: string[]) =>
      raw(name)?.split(',').map((s) => s.trim()).filter(Boolean) ?? fallback,
    oneOf: (name: string, fallback: string, allowed: string[], normalise = (v: string) => v): string => {
      const given = raw(name);
      const value = given?.toLowerCase() ?? fallback;
      if (!allowed.includes(value)) throw new ConfigError(name, `one of ${allowed.join(', ')}`, given ?? value);
      return normalise(value);
    },
    databaseUrl: (name: string, fallback: string): string => {
      const value = raw(name) ?? fallback;
      if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(value)) {
        throw new ConfigError(name, 'sqlite:<path> or postgres://user@host:port/db', value);
      }
      return value;
    },
  };
}
