import * as p from './config.parsers.ts';
import type { AuthMode, ClickWriterMode, Config, FieldPath, Mode, PathValue, Reader } from './config.types.ts';

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
const hostOf = (c: Readonly<Config>): string => (c.host === '0.0.0.0' ? '127.0.0.1' : c.host);
const canonicalMode = (v: string): Mode => (v === 'microservice' ? 'microservices' : (v as Mode));

/** Every setting, in the order they are read (a computed default may use the rows above it). */
export const SETTINGS = [
  row({ env: 'MODE', field: 'mode', default: 'monolith', readers: 'all',
    parse: p.oneOf<Mode>(['monolith', 'microservices', 'microservice'], canonicalMode),
    doc: 'or `microservices` (`MONOLITH`, `MICROSERVICE` accepted)' }),
  row({ env: 'HOST', field: 'host', default: '127.0.0.1', parse: p.string(), readers: 'all',
    doc: 'interface to bind' }),
  row({ env: 'PORT', field: 'port', default: 8000, parse: p.port(), readers: ['monolith', 'gateway', 'supervisor', 'links'],
    doc: "the monolith's port, or the gateway's" }),
  row({ env: 'BASE_URL', field: 'baseUrl', default: (c) => `http://${hostOf(c)}:${c.port}`, shownDefault: '`http://HOST:PORT`',
    parse: p.url({ trimSlashes: true }), readers: ['links', 'supervisor', 'auth'],
    doc: 'prefix of short URLs; targets on this host are refused (loops)' }),
  row({ env: 'DATABASE_URL', field: 'databaseUrl', default: 'sqlite:./data/morphlink.db', parse: p.databaseUrl(), readers: DATABASE_READERS,
    doc: 'or `postgres://user@host:5432/db`' }),
  row({ env: 'AUTH_DATABASE_URL', field: 'moduleDatabaseUrls.auth', default: (c) => c.databaseUrl, shownDefault: '`DATABASE_URL`',
    parse: p.databaseUrl(), readers: ['auth', 'cli'], doc: "the auth module's own database" }),
  row({ env: 'LINKS_DATABASE_URL', field: 'moduleDatabaseUrls.links', default: (c) => c.databaseUrl, shownDefault: '`DATABASE_URL`',
    parse: p.databaseUrl(), readers: ['links', 'cli'], doc: "the links module's own database" }),
  row({ env: 'ANALYTICS_DATABASE_URL', field: 'moduleDatabaseUrls.analytics', default: (c) => c.databaseUrl, shownDefault: '`DATABASE_URL`',
    parse: p.databaseUrl(), readers: ['analytics', 'cli'], doc: "the analytics module's own database" }),
  row({ env: 'AUTH_MODE', field: 'authMode', default: 'apikey', parse: p.oneOf<AuthMode>(['apikey', 'header']), readers: ['auth', 'links', 'analytics', 'cli'],
    doc: '`header` trusts `X-User` / `?user=` for `USERS` (demo only; warns loudly at start; user and key management answer 403 and the CLI refuses to create users or keys)' }),
  row({ env: 'USERS', field: 'users', default: ['alice', 'bob'], readers: ['auth'],
    parse: p.list({ pattern: /^[A-Za-z0-9_.-]{1,64}$/, expected: 'a comma-separated list of user names ([A-Za-z0-9_.-])' }),
    doc: 'the trusted names of `AUTH_MODE=header`' }),
  row({ env: 'SESSION_TTL_HOURS', field: 'sessionTtlHours', default: 168, parse: p.integer(1, 8_760), readers: ['auth'],
    doc: 'how long a dashboard sign-in (`POST /api/auth/login`) lasts' }),
  row({ env: 'LOGIN_ATTEMPTS_PER_USER', field: 'loginAttempts.perUser', default: 5, parse: p.integer(0), readers: ['auth'],
    doc: 'failed sign-ins per user name in 15 minutes before `POST /api/auth/login` answers 429; 0 = off' }),
  row({ env: 'LOGIN_ATTEMPTS_PER_IP', field: 'loginAttempts.perIp', default: 20, parse: p.integer(0), readers: ['auth'],
    doc: 'failed sign-ins per client IP in 15 minutes before 429; 0 = off' }),
  row({ env: 'INTERNAL_TOKEN', field: 'internalToken', default: null, shownDefault: 'none (`up` generates one)', parse: p.optionalString(), readers: 'all',
    doc: 'shared secret of `/internal/*` and `POST /events`; without it they answer 401' }),
  row({ env: 'REDIS_URL', field: 'redisUrl', default: null, shownDefault: 'none', parse: p.optionalUrl(), readers: 'all',
    doc: 'microservices: link-change invalidation over Redis pub/sub; rate limits counted in Redis, shared by every process and replica' }),
  row({ env: 'RATE_LIMIT_API_PER_MIN', field: 'rateLimits.apiPerMin', default: 600, parse: p.integer(0), readers: 'all',
    doc: '`/api/*` requests a minute per client IP (counted before authentication) and per user; 0 = off' }),
  row({ env: 'RATE_LIMIT_CREATE_PER_MIN', field: 'rateLimits.createPerMin', default: 120, parse: p.integer(0), readers: 'all',
    doc: 'link creations a minute per user; 0 = off' }),
  row({ env: 'RATE_LIMIT_PASSWORD_PER_MIN', field: 'rateLimits.passwordPerMin', default: 10, parse: p.integer(0), readers: 'all',
    doc: 'password attempts (`POST /r/:code`, `POST /:code`) a minute per client IP; 0 = off' }),
  row({ env: 'LINKS_PORT', field: 'servicePorts.links', default: 8001, parse: p.port(), readers: ['links', 'supervisor'],
    doc: "the links service's port" }),
  row({ env: 'REDIRECTOR_PORT', field: 'servicePorts.redirector', default: 8002, parse: p.port(), readers: ['redirector', 'supervisor'],
    doc: "the first redirector's port (names its spool)" }),
  row({ env: 'ANALYTICS_PORT', field: 'servicePorts.analytics', default: 8003, parse: p.port(), readers: ['analytics', 'supervisor'],
    doc: "the analytics service's port" }),
  row({ env: 'AUTH_PORT', field: 'servicePorts.auth', default: 8004, parse: p.port(), readers: ['auth', 'supervisor'],
    doc: "the auth service's port" }),
  row({ env: 'LINKS_URL', field: 'serviceUrls.links', default: (c) => local(c.servicePorts.links), shownDefault: '`http://127.0.0.1:LINKS_PORT`',
    parse: p.url(), readers: ['analytics', 'redirector', 'gateway'], doc: 'where peers find links' }),
  row({ env: 'REDIRECTOR_URL', field: 'serviceUrls.redirector', default: (c) => local(c.servicePorts.redirector), shownDefault: '`http://127.0.0.1:REDIRECTOR_PORT`',
    parse: p.url(), readers: ['links', 'gateway'], doc: 'where peers find the redirector' }),
  row({ env: 'ANALYTICS_URL', field: 'serviceUrls.analytics', default: (c) => local(c.servicePorts.analytics), shownDefault: '`http://127.0.0.1:ANALYTICS_PORT`',
    parse: p.url(), readers: ['links', 'redirector', 'gateway'], doc: 'where peers find analytics' }),
  row({ env: 'AUTH_URL', field: 'serviceUrls.auth', default: (c) => local(c.servicePorts.auth), shownDefault: '`http://127.0.0.1:AUTH_PORT`',
    parse: p.url(), readers: ['links', 'analytics', 'gateway'], doc: 'where peers find auth' }),
  row({ env: 'REDIRECTOR_URLS', field: 'redirectorUrls', default: [], shownDefault: '`REDIRECTOR_URL`', parse: p.list(), readers: ['links', 'gateway'],
    doc: 'every redirector replica (set by `up`)' }),
  row({ env: 'SUPERVISOR_PORT', field: 'supervisorPort', default: 8009, parse: p.port(), readers: ['supervisor'],
    doc: "`up`'s control endpoint on 127.0.0.1 (`GET /status`, `PUT /replicas`)" }),
  row({ env: 'AUTOPILOT_PORT', field: 'autopilotPort', default: 8005, parse: p.port(), readers: ['autopilot', 'supervisor'],
    doc: "the autopilot's own port (`/health`, `/metrics`, `GET /api/autopilot`)" }),
  row({ env: 'AUTOPILOT_URL', field: 'autopilotUrl', default: null, shownDefault: 'none (`up --autopilot` sets it)', parse: p.optionalUrl(), readers: ['gateway', 'monolith'],
    doc: 'where the autopilot listens: `GET /api/autopilot` on the public port is passed to it (the dashboard shows its signals and decisions)' }),
  row({ env: 'AUTOPILOT_WINDOW_MS', field: 'autopilotWindowMs', default: 5_000, parse: p.integer(200, 3_600_000), readers: ['autopilot'],
    doc: 'one autopilot window: its signals compare two scrapes this far apart' }),
  row({ env: 'AUTOPILOT_RULES', field: 'autopilotRules', default: null, shownDefault: 'the shipped `src/modules/autopilot/default-rules.json`',
    parse: p.optionalString(), readers: ['autopilot'], doc: "the autopilot's rules file (JSON); `morphlink autopilot --rules` overrides it" }),
  row({ env: 'AUTOPILOT_WEBHOOK_URL', field: 'autopilotWebhookUrl', default: null, shownDefault: 'none', parse: p.optionalUrl(), readers: ['autopilot'],
    doc: 'where a `webhook` rule without its own `url` POSTs its decision' }),
  row({ env: 'AUTOPILOT_WEBHOOK_SECRET', field: 'autopilotWebhookSecret', default: null, shownDefault: 'none', parse: p.optionalString(), readers: ['autopilot'],
    doc: 'signs each webhook body: `X-MorphLink-Signature: sha256=<hex HMAC-SHA256>`' }),
  row({ env: 'WEBHOOK_ALLOW_PRIVATE', field: 'webhooks.allowPrivate', default: false, parse: p.boolean(), readers: ['analytics'],
    doc: '`true` lets a user webhook (`/api/webhooks`) point at a private, loopback or link-local address (tests, a trusted LAN); checked at registration and at each delivery' }),
  row({ env: 'WEBHOOK_TIMEOUT_MS', field: 'webhooks.timeoutMs', default: 10_000, parse: p.integer(100, 120_000), readers: ['analytics'],
    doc: 'one webhook delivery attempt: connect, answer and body within this' }),
  row({ env: 'WEBHOOK_RETRY_BASE_MS', field: 'webhooks.retryBaseMs', default: 30_000, parse: p.integer(10, 3_600_000), readers: ['analytics'],
    doc: 'wait before the first webhook retry; each next one waits twice as long (at most 6 hours)' }),
  row({ env: 'WEBHOOK_MAX_ATTEMPTS', field: 'webhooks.maxAttempts', default: 8, parse: p.integer(1, 30), readers: ['analytics'],
    doc: 'webhook delivery attempts before it is marked failed' }),
  row({ env: 'WEBHOOK_CONCURRENCY', field: 'webhooks.concurrency', default: 8, parse: p.integer(1, 256), readers: ['analytics'],
    doc: 'webhook deliveries in flight at once' }),
  row({ env: 'CACHE_MAX', field: 'cacheMax', default: 10_000, parse: p.integer(0), readers: ['redirector'],
    doc: 'redirector LRU size; 0 = no cache' }),
  row({ env: 'CACHE_TTL_MS', field: 'cacheTtlMs', default: 30_000, parse: p.integer(0), readers: ['redirector'],
    doc: 'redirector cache staleness bound' }),
  row({ env: 'CLICK_FLUSH_MS', field: 'clickFlushMs', default: 100, parse: p.integer(1), readers: ['analytics', 'redirector'],
    doc: 'how often buffered clicks are written or sent' }),
  row({ env: 'CLICK_BATCH_MAX', field: 'clickBatchMax', default: 5_000, parse: p.integer(1), readers: ['analytics', 'redirector'],
    doc: 'clicks in one batch (a redirector sends at most 500)' }),
  row({ env: 'CLICK_WRITER', field: 'clickWriter', default: 'auto', parse: p.oneOf<ClickWriterMode>(['auto', 'inline', 'thread']), readers: ['analytics'],
    doc: 'where the monolith stores clicks: `inline` on the redirect thread, `thread` on a worker thread with its own connection; `auto` is `thread` with more than two CPUs' }),
  row({ env: 'CLICK_SEND_TIMEOUT_MS', field: 'clickSendTimeoutMs', default: 1_000, parse: p.integer(50, 60_000), readers: ['redirector'],
    doc: 'how long a redirector waits for `POST /events` before it spools the batch' }),
  row({ env: 'CLICK_TOTALS_TIMEOUT_MS', field: 'clickTotalsTimeoutMs', default: 1_000, parse: p.integer(10), readers: ['links'],
    doc: 'how long a link listing waits for click totals before showing them as unknown (null)' }),
  row({ env: 'BODY_LIMIT_BYTES', field: 'bodyLimitBytes', default: 1_048_576, parse: p.integer(1024), readers: 'all',
    doc: 'larger bodies answer 413' }),
  row({ env: 'DATA_DIR', field: 'dataDir', default: './data', parse: p.string(), readers: ['analytics', 'redirector', 'supervisor'],
    doc: 'spool files (`data/spool/`) and the generated visitor secret' }),
  row({ env: 'SPOOL_DIR', field: 'spoolDir', default: null, shownDefault: '`DATA_DIR/spool/redirector-<port>`', parse: p.optionalString(), readers: ['redirector'],
    doc: 'where this redirector spools undelivered clicks (set per replica by `up`)' }),
  row({ env: 'JOURNAL_DIR', field: 'journalDir', default: null, shownDefault: '`DATA_DIR/journal/<process>`', parse: p.optionalString(), readers: ['redirector'],
    doc: 'the click journal: a redirect goes out once its click is written here, so a killed process loses none (set per replica by `up`)' }),
  row({ env: 'JOURNAL_FSYNC_MS', field: 'journalFsyncMs', default: 100, parse: p.integer(1, 60_000), readers: ['redirector'],
    doc: 'how often the click journal is flushed to the disk: a power cut loses at most this much' }),
  row({ env: 'VISITOR_SECRET', field: 'visitorSecret', default: null, shownDefault: 'generated once, kept in `DATA_DIR/visitor-secret`',
    parse: p.optionalString(), readers: ['redirector'], doc: 'seeds visitor hashes; every redirector of one deployment needs the same' }),
  row({ env: 'TRUST_PROXY', field: 'trustProxy', default: 'loopback', parse: p.string(), readers: 'all',
    doc: 'whose `X-Forwarded-For` is believed (proxy-addr syntax)' }),
  row({ env: 'DB_STATEMENT_TIMEOUT_MS', field: 'dbStatementTimeoutMs', default: 5_000, parse: p.integer(100), readers: DATABASE_READERS,
    doc: 'PostgreSQL: the server cancels a statement after this long' }),
  row({ env: 'DB_CONNECT_TIMEOUT_MS', field: 'dbConnectTimeoutMs', default: 5_000, parse: p.integer(100), readers: DATABASE_READERS,
    doc: 'PostgreSQL: how long opening a connection may take' }),
  row({ env: 'SQLITE_BUSY_TIMEOUT_MS', field: 'sqliteBusyTimeoutMs', default: 50, parse: p.integer(0, 10_000), readers: DATABASE_READERS,
    doc: "SQLite: how long a statement waits for another process's lock before retrying asynchronously" }),
  row({ env: 'READY_TIMEOUT_MS', field: 'readyTimeoutMs', default: 2_000, parse: p.integer(100), readers: 'all',
    doc: '`/ready` waits this long for each dependency before naming it as failing' }),
  row({ env: 'MORPHLINK_INSTANCE', field: 'instanceId', default: null, shownDefault: 'none (set by `up`)', parse: p.optionalString(), readers: 'all',
    doc: 'shown in `/health` so the supervisor knows its own children' }),
  row({ env: 'LOG_LEVEL', field: 'logLevel', default: 'info', parse: p.oneOf(LOG_LEVELS), readers: 'all',
    doc: 'pino level' }),
] as const;
