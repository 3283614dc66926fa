import * as p from './config.parsers.ts';
import type { AuthMode, Config, FieldPath, Mode, PathValue, Reader } from './config.types.ts';

/** One environment variable: where it goes, its default, what it means, how it is read, who reads it. */
export interface Setting<P extends FieldPath = FieldPath> {
  env: string;
  field: P;
  /** A value, or one computed from the rows above it (their fields are set). */
  default: PathValue<P> | ((earlier: Readonly<Config>) => PathValue<P>);
  /** How the README shows a computed or absent default. */
  shownDefault?: string;
  doc: string;
  parse: p.Parser<PathValue<P>>;
  /** 'all': the runtime of every process reads it. */
  readers: 'all' | readonly Reader[];
}

// The literal field and readers are kept in the row's type, so configSlice can be typed by them.
const row = <const P extends FieldPath, const R extends 'all' | readonly Reader[]>(
  s: Setting<P> & { readers: R },
): Omit<Setting<P>, 'readers'> & { readers: R } => s;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const DATABASE_READERS = ['auth', 'links', 'analytics', 'cli'] as const;
const local = (port: number): string => `http://127.0.0.1:${port}`;

/** Every setting, in the order they are read (a computed default may use the rows above it). */
export const SETTINGS = [
  row({ env: 'MODE', field: 'mode', default: 'monolith', parse: p.oneOf<Mode>(['monolith', 'microservices', 'microservice'], (v) => (v === 'microservice' ? 'microservices' : (v as Mode))),
    doc: 'or `microservices` (`MONOLITH`, `MICROSERVICE` accepted)', readers: 'all' }),
  row({ env: 'HOST', field: 'host', default: '127.0.0.1', parse: p.string(), doc: 'interface to bind', readers: 'all' }),
  row({ env: 'PORT', field: 'port', default: 8000, parse: p.port(), doc: "the monolith's port, or the gateway's", readers: ['monolith', 'gateway', 'supervisor', 'links'] }),
  row({ env: 'BASE_URL', field: 'baseUrl', default: (c) => `http://${c.host === '0.0.0.0' ? '127.0.0.1' : c.host}:${c.port}`, shownDefault: '`http://HOST:PORT`',
    parse: p.url({ trimSlashes: true }), doc: 'prefix of short URLs; targets on this host are refused (loops)', readers: ['links', 'supervisor'] }),
  row({ env: 'DATABASE_URL', field: 'databaseUrl', default: 'sqlite:./data/morphlink.db', parse: p.databaseUrl(), doc: 'or `postgres://user@host:5432/db`', readers: DATABASE_READERS }),
  row({ env: 'AUTH_DATABASE_URL', field: 'moduleDatabaseUrls.auth', default: (c) => c.databaseUrl, shownDefault: '`DATABASE_URL`', parse: p.databaseUrl(), doc: "the auth module's own database", readers: ['auth', 'cli'] }),
  row({ env: 'LINKS_DATABASE_URL', field: 'moduleDatabaseUrls.links', default: (c) => c.databaseUrl, shownDefault: '`DATABASE_URL`', parse: p.databaseUrl(), doc: "the links module's own database", readers: ['links', 'cli'] }),
  row({ env: 'ANALYTICS_DATABASE_URL', field: 'moduleDatabaseUrls.analytics', default: (c) => c.databaseUrl, shownDefault: '`DATABASE_URL`', parse: p.databaseUrl(), doc: "the analytics module's own database", readers: ['analytics', 'cli'] }),
  row({ env: 'AUTH_MODE', field: 'authMode', default: 'apikey', parse: p.oneOf<AuthMode>(['apikey', 'header']),
    doc: '`header` trusts `X-User` / `?user=` for `USERS` (demo only; warns loudly at start; user and key management answer 403 and the CLI refuses to create users or keys)', readers: ['auth', 'links', 'analytics', 'cli'] }),
  row({ env: 'USERS', field: 'users', default: ['alice', 'bob'], parse: p.list({ pattern: /^[A-Za-z0-9_.-]{1,64}$/, expected: 'a comma-separated list of user names ([A-Za-z0-9_.-])' }),
    doc: 'the trusted names of `AUTH_MODE=header`', readers: ['auth'] }),
  row({ env: 'INTERNAL_TOKEN', field: 'internalToken', default: null, shownDefault: 'none (`up` generates one)', parse: p.optionalString(),
    doc: 'shared secret of `/internal/*` and `POST /events`; without it they answer 401', readers: 'all' }),
  row({ env: 'REDIS_URL', field: 'redisUrl', default: null, shownDefault: 'none', parse: p.optionalUrl(),
    doc: 'microservices: link-change invalidation over Redis pub/sub; rate limits counted in Redis, shared by every process and replica', readers: 'all' }),
  row({ env: 'RATE_LIMIT_API_PER_MIN', field: 'rateLimits.apiPerMin', default: 600, parse: p.integer(0),
    doc: '`/api/*` requests a minute per client IP (counted before authentication) and per user; 0 = off', readers: 'all' }),
  row({ env: 'RATE_LIMIT_CREATE_PER_MIN', field: 'rateLimits.createPerMin', default: 120, parse: p.integer(0), doc: 'link creations a minute per user; 0 = off', readers: 'all' }),
  row({ env: 'RATE_LIMIT_PASSWORD_PER_MIN', field: 'rateLimits.passwordPerMin', default: 10, parse: p.integer(0),
    doc: 'password attempts (`POST /r/:code`, `POST /:code`) a minute per client IP; 0 = off', readers: 'all' }),
  row({ env: 'LINKS_PORT', field: 'servicePorts.links', default: 8001, parse: p.port(), doc: "the links service's port", readers: ['links', 'supervisor'] }),
  row({ env: 'REDIRECTOR_PORT', field: 'servicePorts.redirector', default: 8002, parse: p.port(), doc: "the first redirector's port (names its spool)", readers: ['redirector', 'supervisor'] }),
  row({ env: 'ANALYTICS_PORT', field: 'servicePorts.analytics', default: 8003, parse: p.port(), doc: "the analytics service's port", readers: ['analytics', 'supervisor'] }),
  row({ env: 'AUTH_PORT', field: 'servicePorts.auth', default: 8004, parse: p.port(), doc: "the auth service's port", readers: ['auth', 'supervisor'] }),
  row({ env: 'LINKS_URL', field: 'serviceUrls.links', default: (c) => local(c.servicePorts.links), shownDefault: '`http://127.0.0.1:LINKS_PORT`', parse: p.url(),
    doc: 'where peers find links', readers: ['analytics', 'redirector', 'gateway'] }),
  row({ env: 'REDIRECTOR_URL', field: 'serviceUrls.redirector', default: (c) => local(c.servicePorts.redirector), shownDefault: '`http://127.0.0.1:REDIRECTOR_PORT`', parse: p.url(),
    doc: 'where peers find the redirector', readers: ['links', 'gateway'] }),
  row({ env: 'ANALYTICS_URL', field: 'serviceUrls.analytics', default: (c) => local(c.servicePorts.analytics), shownDefault: '`http://127.0.0.1:ANALYTICS_PORT`', parse: p.url(),
    doc: 'where peers find analytics', readers: ['links', 'redirector', 'gateway'] }),
  row({ env: 'AUTH_URL', field: 'serviceUrls.auth', default: (c) => local(c.servicePorts.auth), shownDefault: '`http://127.0.0.1:AUTH_PORT`', parse: p.url(),
    doc: 'where peers find auth', readers: ['links', 'analytics', 'gateway'] }),
  row({ env: 'REDIRECTOR_URLS', field: 'redirectorUrls', default: [], shownDefault: '`REDIRECTOR_URL`', parse: p.list(), doc: 'every redirector replica (set by `up`)', readers: ['links', 'gateway'] }),
  row({ env: 'SUPERVISOR_PORT', field: 'supervisorPort', default: 8009, parse: p.port(),
    doc: "`up`'s control endpoint on 127.0.0.1 (`GET /status`, `PUT /replicas`)", readers: ['supervisor'] }),
  row({ env: 'CACHE_MAX', field: 'cacheMax', default: 10_000, parse: p.integer(0), doc: 'redirector LRU size; 0 = no cache', readers: ['redirector'] }),
  row({ env: 'CACHE_TTL_MS', field: 'cacheTtlMs', default: 30_000, parse: p.integer(0), doc: 'redirector cache staleness bound', readers: ['redirector'] }),
  row({ env: 'CLICK_FLUSH_MS', field: 'clickFlushMs', default: 100, parse: p.integer(1), doc: 'how often buffered clicks are written or sent', readers: ['analytics', 'redirector'] }),
  row({ env: 'CLICK_BATCH_MAX', field: 'clickBatchMax', default: 5_000, parse: p.integer(1), doc: 'clicks in one batch (a redirector sends at most 500)', readers: ['analytics', 'redirector'] }),
  row({ env: 'CLICK_SEND_TIMEOUT_MS', field: 'clickSendTimeoutMs', default: 1_000, parse: p.integer(50, 60_000),
    doc: 'how long a redirector waits for `POST /events` before it spools the batch', readers: ['redirector'] }),
  row({ env: 'CLICK_TOTALS_TIMEOUT_MS', field: 'clickTotalsTimeoutMs', default: 1_000, parse: p.integer(10),
    doc: 'how long a link listing waits for click totals before showing them as unknown (null)', readers: ['links'] }),
  row({ env: 'BODY_LIMIT_BYTES', field: 'bodyLimitBytes', default: 1_048_576, parse: p.integer(1024), doc: 'larger bodies answer 413', readers: 'all' }),
  row({ env: 'DATA_DIR', field: 'dataDir', default: './data', parse: p.string(), doc: 'spool files (`data/spool/`) and the generated visitor secret', readers: ['analytics', 'redirector', 'supervisor'] }),
  row({ env: 'SPOOL_DIR', field: 'spoolDir', default: null, shownDefault: '`DATA_DIR/spool/redirector-<port>`', parse: p.optionalString(),
    doc: "where this redirector spools undelivered clicks (set per replica by `up`)", readers: ['redirector'] }),
  row({ env: 'VISITOR_SECRET', field: 'visitorSecret', default: null, shownDefault: 'generated once, kept in `DATA_DIR/visitor-secret`', parse: p.optionalString(),
    doc: 'seeds visitor hashes; every redirector of one deployment needs the same', readers: ['redirector'] }),
  row({ env: 'TRUST_PROXY', field: 'trustProxy', default: 'loopback', parse: p.string(), doc: 'whose `X-Forwarded-For` is believed (proxy-addr syntax)', readers: 'all' }),
  row({ env: 'DB_STATEMENT_TIMEOUT_MS', field: 'dbStatementTimeoutMs', default: 5_000, parse: p.integer(100),
    doc: 'PostgreSQL: the server cancels a statement after this long', readers: DATABASE_READERS }),
  row({ env: 'DB_CONNECT_TIMEOUT_MS', field: 'dbConnectTimeoutMs', default: 5_000, parse: p.integer(100), doc: 'PostgreSQL: how long opening a connection may take', readers: DATABASE_READERS }),
  row({ env: 'SQLITE_BUSY_TIMEOUT_MS', field: 'sqliteBusyTimeoutMs', default: 50, parse: p.integer(0, 10_000),
    doc: "SQLite: how long a statement waits for another process's lock before retrying asynchronously", readers: DATABASE_READERS }),
  row({ env: 'READY_TIMEOUT_MS', field: 'readyTimeoutMs', default: 2_000, parse: p.integer(100), doc: '`/ready` waits this long for each dependency before naming it as failing', readers: 'all' }),
  row({ env: 'MORPHLINK_INSTANCE', field: 'instanceId', default: null, shownDefault: 'none (set by `up`)', parse: p.optionalString(),
    doc: 'shown in `/health` so the supervisor knows its own children', readers: 'all' }),
  row({ env: 'LOG_LEVEL', field: 'logLevel', default: 'info', parse: p.oneOf(LOG_LEVELS), doc: 'pino level', readers: 'all' }),
] as const;
