import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createScratch, type DbKind } from './database.ts';
import { launchServer } from './server-process.ts';

export type Mode = 'monolith' | 'microservices';

export interface TargetOptions {
  db: DbKind;
  mode: Mode;
  /** Extra `up` arguments (microservices only), e.g. ['--replicas', 'redirector=2']. */
  upArgs?: string[];
  /** Extra variables for the target, applied over the ones targetEnv sets, e.g. { REDIS_URL }. */
  env?: NodeJS.ProcessEnv;
}

export interface UserOptions {
  admin?: boolean;
  /** A dashboard password, piped to `--password-stdin`. */
  password?: string;
}

/** Every port a fleet listens on; a monolith uses only `gateway` (its one public port). */
export interface Ports {
  gateway: number;
  auth: number;
  links: number;
  redirector: number;
  analytics: number;
  supervisor: number;
}

/** One running MorphLink, reached only over HTTP and its command line. */
export interface Target {
  baseUrl: string;
  /** Where POST /events is served: the monolith itself, or the analytics service (the gateway never routes it). */
  eventsUrl: string;
  internalToken: string;
  ports: Ports;
  /** The target's DATA_DIR (journal, spools; the SQLite file too): what it keeps on disk. */
  dataDir: string;
  createUser(name: string, options?: UserOptions): Promise<string>;
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<number | null>;
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = 'bin/morphlink.js';

export async function startTarget(opts: TargetOptions): Promise<Target> {
  const scratch = await createScratch(opts.db);
  const internalToken = randomBytes(24).toString('hex');
  const { env: baseEnv, ports } = await targetEnv(opts.mode, scratch.databaseUrl, scratch.dir, internalToken);
  // Stats settle within a fifth of the default rollup window: the suite checks that they are
  // exact, not how long the window is (the bench runs the default). A test may set its own.
  const env: NodeJS.ProcessEnv = { ROLLUP_WINDOW_MS: '200', ...baseEnv, ...opts.env };
  const baseUrl = `http://127.0.0.1:${ports.gateway}`;
  const args = opts.mode === 'monolith' ? [BIN, 'start'] : [BIN, 'up', ...(opts.upArgs ?? [])];
  // A fleet is five processes starting at once: give it longer to report healthy.
  const launch = () => launchServer(args, ROOT, env, baseUrl, opts.mode === 'monolith' ? undefined : 90_000);
  let server = await launch().catch(async (error: unknown) => {
    await scratch.remove();
    throw error;
  });
  return {
    baseUrl,
    eventsUrl: opts.mode === 'monolith' ? baseUrl : `http://127.0.0.1:${ports.analytics}`,
    internalToken,
    ports,
    dataDir: scratch.dir,
    createUser: (name, options) => createUser(env, name, options),
    stop: (signal = 'SIGTERM') => server.stop(signal),
    async restart() {
      await server.stop('SIGTERM');
      server = await launch();
    },
    async dispose() {
      await server.stop('SIGTERM').catch(() => server.stop('SIGKILL'));
      await scratch.remove();
    },
  };
}

/** The environment for one target: every port free, every file under `dataDir`, nothing inherited that could point elsewhere. */
export async function targetEnv(mode: Mode, databaseUrl: string, dataDir: string, internalToken: string) {
  const ports: Ports = {
    gateway: await freePort(),
    auth: await freePort(),
    links: await freePort(),
    redirector: await freePort(),
    analytics: await freePort(),
    supervisor: await freePort(),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MODE: mode,
    HOST: '127.0.0.1',
    PORT: String(ports.gateway),
    AUTH_PORT: String(ports.auth),
    LINKS_PORT: String(ports.links),
    REDIRECTOR_PORT: String(ports.redirector),
    ANALYTICS_PORT: String(ports.analytics),
    SUPERVISOR_PORT: String(ports.supervisor),
    BASE_URL: `http://127.0.0.1:${ports.gateway}`,
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    INTERNAL_TOKEN: internalToken,
    LOG_LEVEL: 'warn',
    AUTH_MODE: 'apikey',
    // The suite is one client sending as fast as the machine allows: limits stay on (their code
    // runs) but out of reach. Tests of the limits themselves set low ones through `env`.
    RATE_LIMIT_API_PER_MIN: '100000',
    RATE_LIMIT_CREATE_PER_MIN: '100000',
    RATE_LIMIT_PASSWORD_PER_MIN: '100000',
    // bulk.cases.ts proves these are refused (BLOCKED_DOMAIN) in every mode.
    BLOCKED_DOMAINS: 'blocked.example',
    // The webhook cases' receivers listen on 127.0.0.1; retries fast, a dead receiver given up soon.
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_RETRY_BASE_MS: '200',
    WEBHOOK_TIMEOUT_MS: '2000',
  };
  // The runner marks its own children with this; the server must not think it is a test file.
  delete env.NODE_TEST_CONTEXT;
  for (const name of ['LINKS_URL', 'REDIRECTOR_URL', 'ANALYTICS_URL', 'AUTH_URL', 'REDIRECTOR_URLS', 'REDIS_URL', 'SPOOL_DIR']) {
    delete env[name];
  }
  return { env, ports };
}

/** `morphlink user create <name> --json` with the target's environment (and `--password-stdin` when given one); returns the API key. */
export async function createUser(env: NodeJS.ProcessEnv, name: string, { admin = false, password }: UserOptions = {}): Promise<string> {
  const args = [BIN, 'user', 'create', name, '--json', ...(admin ? ['--admin'] : []), ...(password === undefined ? [] : ['--password-stdin'])];
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile(process.execPath, args, { cwd: ROOT, env, timeout: 30_000 }, (error, out, err) =>
      error ? reject(new Error(`user create ${name} failed: ${err || error.message}`)) : resolve(out),
    );
    child.stdin?.end(password ?? '');
  });
  const line = stdout.split('\n').find((l) => l.trim().startsWith('{'));
  const parsed = JSON.parse(line ?? 'null') as { apiKey?: unknown } | null;
  if (typeof parsed?.apiKey !== 'string') throw new Error(`user create ${name} printed no apiKey: ${stdout}`);
  return parsed.apiKey;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
