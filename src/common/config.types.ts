// The shape every process reads its settings as; config.table.ts says where each field comes from.

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
  /** How long a dashboard sign-in lasts, in hours. */
  sessionTtlHours: number;
  /** Failed sign-ins allowed per user name and per client IP in 15 minutes; 0 disables. */
  loginAttempts: Readonly<{ perUser: number; perIp: number }>;
  logLevel: string;
  dataDir: string;
  cacheMax: number;
  cacheTtlMs: number;
  cacheWarmHours: number;
  clickFlushMs: number;
  rollupWindowMs: number;
  clickBatchMax: number;
  /** Where the in-process click writer runs. */
  clickWriter: ClickWriterMode;
  /** The writer thread's nice value (Linux). */
  clickWriterNice: number;
  bodyLimitBytes: number;
  supervisorPort: number;
  /** Proxies whose X-Forwarded-For is believed (proxy-addr syntax); the gateway runs on loopback. */
  trustProxy: string;
  /** The IP-to-country .mmdb file; null: the shipped one; 'off': none. */
  geoipDb: string | null;
  /** Where this redirector spools undelivered clicks; default data/spool/redirector-<port>. */
  spoolDir: string | null;
  /** The click journal's directory; default data/journal/<process>. */
  journalDir: string | null;
  /** How often the journal is fsynced. */
  journalFsyncMs: number;
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
  /** On SIGTERM, how long /ready answers 503 before the server stops taking requests. */
  shutdownDelayMs: number;
  /** How long a link listing waits for click totals before showing them as unknown (null). */
  clickTotalsTimeoutMs: number;
  /** Domains no link may point at, subdomains included (BLOCKED_DOMAINS). */
  blockedDomains: readonly string[];
  /** A file of more of them, one per line, `#` comments (BLOCKED_DOMAINS_FILE). */
  blockedDomainsFile: string | null;
  /** Set by `morphlink up` on each child: shown in /health so the supervisor knows its own. */
  instanceId: string | null;
  /** How long a redirector waits for POST /events before it spools the batch. */
  clickSendTimeoutMs: number;
  /** Seeds visitor hashes; when unset, one is generated once and kept in DATA_DIR/visitor-secret. */
  visitorSecret: string | null;
  /** The autopilot's own port (`morphlink autopilot`, `up --autopilot`). */
  autopilotPort: number;
  /** How long one autopilot window is: its signals compare two scrapes this far apart. */
  autopilotWindowMs: number;
  /** The autopilot's rules file; null: the shipped default rules. */
  autopilotRules: string | null;
  /** Where a `webhook` rule POSTs its decision when the rule names no URL. */
  /** The autopilot's own URL, when one runs: the public port passes GET /api/autopilot to it. */
  autopilotUrl: string | null;
  autopilotWebhookUrl: string | null;
  /** Signs each webhook body (X-MorphLink-Signature: sha256=HMAC). */
  autopilotWebhookSecret: string | null;
  /** Users' click webhooks: private targets allowed, one attempt's deadline, retries, parallel sends. */
  webhooks: Readonly<WebhookConfig>;
}

export interface WebhookConfig {
  allowPrivate: boolean;
  timeoutMs: number;
  retryBaseMs: number;
  maxAttempts: number;
  concurrency: number;
}

export type ClickWriterMode = 'auto' | 'inline' | 'thread';

export interface RateLimitConfig {
  apiPerMin: number;
  createPerMin: number;
  passwordPerMin: number;
}

/** Who reads a setting: a module (in whichever process runs it), a process of its own, or the CLI. */
export type Reader = 'auth' | 'links' | 'redirector' | 'analytics' | 'monolith' | 'gateway' | 'supervisor' | 'cli' | 'autopilot';

/** Fields set whole, and the sub-fields of the grouped ones (`servicePorts.links`). */
export type FieldPath = {
  [F in keyof Config]: Config[F] extends string | number | boolean | null | readonly string[]
    ? F
    : `${F}.${keyof Config[F] & string}`;
}[keyof Config];

export type PathValue<P extends FieldPath> = P extends `${infer F}.${infer K}`
  ? F extends keyof Config
    ? K extends keyof Config[F]
      ? Config[F][K]
      : never
    : never
  : P extends keyof Config
    ? Config[P]
    : never;

/** The top-level Config field a path fills. */
export type TopField<P extends string> = P extends `${infer F}.${string}` ? F : P;
