import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createScratch, type DbKind } from '../contract/database.ts';
import { launchServer, type ServerProcess } from '../contract/server-process.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = 'bin/morphlink.js';

export interface FleetPorts {
  gateway: number;
  auth: number;
  links: number;
  redirector: number;
  analytics: number;
  supervisor: number;
}

export interface ProcessStatus {
  name: string;
  port: number;
  pid: number | null;
  state: string;
  restarts: number;
}

/** `morphlink up` as a child process on free ports, with its own database and data directory. */
export interface Fleet {
  baseUrl: string;
  ports: FleetPorts;
  internalToken: string;
  createUser(name: string): Promise<string>;
  status(): Promise<{ processes: ProcessStatus[]; replicas: { redirector: number } }>;
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<number | null>;
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** The environment `up` needs to run beside other fleets: every port free, every file in `dataDir`. */
export async function fleetEnv(databaseUrl: string, dataDir: string, internalToken: string) {
  const ports: FleetPorts = {
    gateway: await freePort(),
    auth: await freePort(),
    links: await freePort(),
    redirector: await freePort(),
    analytics: await freePort(),
    supervisor: await freePort(),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MODE: 'microservices',
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
  };
  // The runner marks its children with this; the fleet must not think it is a test file.
  delete env.NODE_TEST_CONTEXT;
  for (const name of ['LINKS_URL', 'REDIRECTOR_URL', 'ANALYTICS_URL', 'AUTH_URL', 'REDIRECTOR_URLS', 'REDIS_URL', 'SPOOL_DIR']) delete env[name];
  return { ports, env };
}

export async function createUserWith(env: NodeJS.ProcessEnv, name: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'user', 'create', name, '--json'], { cwd: ROOT, env, timeout: 30_000 });
  return (JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { apiKey: string }).apiKey;
}

export async function startFleet(opts: { db: DbKind; replicas?: number; env?: NodeJS.ProcessEnv }): Promise<Fleet> {
  const scratch = await createScratch(opts.db);
  const internalToken = randomBytes(24).toString('hex');
  const { ports, env } = await fleetEnv(scratch.databaseUrl, scratch.dir, internalToken);
  Object.assign(env, opts.env);
  const baseUrl = `http://127.0.0.1:${ports.gateway}`;
  const args = [BIN, 'up', ...(opts.replicas ? ['--replicas', `redirector=${opts.replicas}`] : [])];
  const launch = () => launchServer(args, ROOT, env, baseUrl, 90_000);
  let server: ServerProcess = await launch().catch(async (error: unknown) => {
    await scratch.remove();
    throw error;
  });
  return {
    baseUrl,
    ports,
    internalToken,
    createUser: (name) => createUserWith(env, name),
    status: async () => (await fetch(`http://127.0.0.1:${ports.supervisor}/status`)).json() as never,
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
