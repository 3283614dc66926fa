import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { setTimeout as delay } from 'node:timers/promises';
import { createScratch, type DbKind, type Scratch } from '../test/contract/database.ts';
import { launchServer, type ServerProcess } from '../test/contract/server-process.ts';
import { createUser, freePort, targetEnv } from '../test/contract/harness.ts';
import type { ClickApi } from './load.ts';
import { BIN, ROOT, childPid, rssMb, runCli, treeCpuSeconds } from './process.ts';
import { seedMixLinks } from './seed.ts';

export type TargetName =
  | 'ceiling'
  | 'fastpath-no-click'
  | 'hop-floor'
  | 'monolith-sqlite'
  | 'monolith-sqlite-inline'
  | 'monolith-postgres'
  | 'micro-redirector'
  | 'micro-gateway';

export interface Endpoint {
  name: TargetName;
  url: string;
}

/** One target process (or fleet) started for one round. */
export interface Running {
  endpoints: Endpoint[];
  /** Where the clicks are read; none for the ceiling. */
  clicks: ClickApi | null;
  /** Spawn → /health 200, in ms. */
  startMs: number;
  rssMb(): Promise<number | null>;
  /** CPU seconds used so far by every process of the target (a fleet: all of it), for CPU per request; null off Linux. */
  cpuSeconds(): Promise<number | null>;
  /** Called before every endpoint but the first: gives it a fresh redirector (cold cache) too. */
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

/** A target's database and user, prepared once; `start` launches a fresh process per round. */
export interface Target {
  /** How its start time and memory are labelled. */
  group: string;
  names: TargetName[];
  /** SQLite only: bytes the database file (and WAL) grew by since the target was prepared. */
  storedBytes?(): number | null;
  /** SQLite only: raw click rows in the database (each click is one), to check against the clicks counted. */
  rawClicks?(): number | null;
  start(): Promise<Running>;
  dispose(): Promise<void>;
}

const USER = 'bench';

async function timedLaunch(args: string[], env: NodeJS.ProcessEnv, baseUrl: string, timeoutMs?: number) {
  const started = performance.now();
  const server = await launchServer(args, ROOT, env, baseUrl, timeoutMs);
  return { server, startMs: performance.now() - started };
}

const stopGently = (server: ServerProcess) => server.stop('SIGTERM').then(() => undefined, () => void server.stop('SIGKILL'));

/** A bench script on bare node:http (no database, no clicks counted), started fresh each round. */
function scriptTarget(name: 'ceiling' | 'fastpath-no-click' | 'hop-floor', script: string): Target {
  return {
    group: name,
    names: [name],
    async start() {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      // Only the hop floor reads UPSTREAM_PORT: where its own ceiling listens.
      const env = { ...process.env, PORT: String(port), UPSTREAM_PORT: String(await freePort()) };
      const { server, startMs } = await timedLaunch(['--import', 'tsx', script], env, url);
      const pid = await childPid([script]);
      return {
        endpoints: [{ name, url }],
        clicks: null,
        startMs,
        rssMb: () => rssMb(pid, `${url}/metrics`),
        cpuSeconds: () => treeCpuSeconds(pid),
        refresh: async () => undefined,
        stop: () => stopGently(server),
      };
    },
    dispose: async () => undefined,
  };
}

/** The ceiling: node:http answering 302 from a Map (bench/ceiling.ts). */
export const ceilingTarget = (): Target => scriptTarget('ceiling', 'bench/ceiling.ts');

/** MorphLink's fast path on bare node:http with a recorder that records nothing (bench/no-click.ts): a reference row. */
export const noClickTarget = (): Target => scriptTarget('fastpath-no-click', 'bench/no-click.ts');

/** The least one HTTP hop costs: node:http relaying over undici to a ceiling of its own (bench/hop-floor.ts): a reference row for micro-gateway. */
export const hopFloorTarget = (): Target => scriptTarget('hop-floor', 'bench/hop-floor.ts');

/** Scratch database, migrations, the bench user and the 10,000 links, for one target. */
async function prepare(db: DbKind, mode: 'monolith' | 'microservices') {
  const scratch: Scratch = await createScratch(db);
  try {
    const { ports, env } = await targetEnv(mode, scratch.databaseUrl, scratch.dir, randomBytes(24).toString('hex'));
    for (const name of ['AUTH_DATABASE_URL', 'LINKS_DATABASE_URL', 'ANALYTICS_DATABASE_URL']) delete env[name];
    await runCli(env, 'migrate');
    const apiKey = await createUser(env, USER);
    await seedMixLinks(scratch.databaseUrl, USER);
    return { scratch, ports, env, apiKey, baseUrl: `http://127.0.0.1:${ports.gateway}` };
  } catch (error) {
    await scratch.remove();
    throw error;
  }
}

/** The SQLite file and its WAL, in bytes: what the clicks of a run add to it is the storage each click costs. */
function sqliteBytes(databaseUrl: string): number {
  const file = databaseUrl.replace(/^sqlite:/, '');
  return [file, `${file}-wal`].reduce((sum, path) => sum + (existsSync(path) ? statSync(path).size : 0), 0);
}

function countRawClicks(databaseUrl: string): number {
  const sqlite = new SqliteDatabase(databaseUrl.replace(/^sqlite:/, ''), { readonly: true });
  try {
    return Number(sqlite.prepare('select count(*) from click_raw').pluck().get());
  } finally {
    sqlite.close();
  }
}

/** A monolith as `npm start` runs it (CLICK_WRITER=auto: a writer thread with two CPUs or more), or with the writer on the redirect thread. */
export async function monolithTarget(db: DbKind, writer: 'auto' | 'inline' = 'auto'): Promise<Target> {
  const prepared = await prepare(db, 'monolith');
  const { scratch, apiKey, baseUrl } = prepared;
  const env = { ...prepared.env, CLICK_WRITER: writer };
  const name: TargetName = writer === 'inline' ? 'monolith-sqlite-inline' : db === 'sqlite' ? 'monolith-sqlite' : 'monolith-postgres';
  const bytesBefore = db === 'sqlite' ? sqliteBytes(scratch.databaseUrl) : null;
  return {
    group: name,
    storedBytes: () => (bytesBefore === null ? null : sqliteBytes(scratch.databaseUrl) - bytesBefore),
    rawClicks: () => (db === 'sqlite' ? countRawClicks(scratch.databaseUrl) : null),
    names: [name],
    async start() {
      const { server, startMs } = await timedLaunch([BIN, 'start'], env, baseUrl);
      const pid = await childPid([BIN, 'start']);
      return {
        endpoints: [{ name, url: baseUrl }],
        clicks: { apiUrl: baseUrl, apiKey },
        startMs,
        rssMb: () => rssMb(pid, `${baseUrl}/metrics`),
        cpuSeconds: () => treeCpuSeconds(pid),
        refresh: async () => undefined,
        stop: () => stopGently(server),
      };
    },
    dispose: () => scratch.remove(),
  };
}

interface SupervisorStatus {
  processes: { name: string; port: number; pid: number | null; state: string }[];
}

/** `morphlink up`: the redirector on its own port and the gateway, one fleet per round. */
export async function fleetTarget(db: DbKind): Promise<Target> {
  const { scratch, env, apiKey, baseUrl, ports } = await prepare(db, 'microservices');
  const redirectorUrl = `http://127.0.0.1:${ports.redirector}`;
  const redirectorPid = async () => {
    // The control port requires the fleet's token.
    const headers = { authorization: `Bearer ${env.INTERNAL_TOKEN ?? ''}` };
    const status = (await (await fetch(`http://127.0.0.1:${ports.supervisor}/status`, { headers })).json()) as SupervisorStatus;
    return status.processes.find((p) => p.name === 'redirector' && p.state === 'running')?.pid ?? null;
  };
  return {
    group: `micro-${db} (start: whole fleet; RSS: redirector)`,
    names: ['micro-redirector', 'micro-gateway'],
    async start() {
      // A whole fleet of tsx processes starting on two cores: give it the fleet tests' allowance.
      const { server, startMs } = await timedLaunch([BIN, 'up'], env, baseUrl, 90_000);
      const supervisor = await childPid([BIN, 'up']);
      return {
        endpoints: [
          { name: 'micro-redirector', url: redirectorUrl },
          { name: 'micro-gateway', url: baseUrl },
        ],
        clicks: { apiUrl: baseUrl, apiKey },
        startMs,
        rssMb: async () => rssMb(await redirectorPid(), `${redirectorUrl}/metrics`),
        // The whole fleet: through the gateway every hop costs CPU, and the clicks are stored by analytics.
        cpuSeconds: () => treeCpuSeconds(supervisor),
        // SIGTERM: the redirector flushes its clicks, the supervisor starts a new one.
        async refresh() {
          const old = await redirectorPid();
          if (old !== null) process.kill(old, 'SIGTERM');
          const deadline = Date.now() + 30_000;
          while (Date.now() < deadline) {
            const pid = await redirectorPid().catch(() => null);
            const healthy = await fetch(`${redirectorUrl}/health`).then((r) => r.ok, () => false);
            if (pid !== null && pid !== old && healthy) return;
            await delay(50);
          }
          throw new Error('the redirector did not come back within 30 s');
        },
        stop: () => stopGently(server),
      };
    },
    dispose: () => scratch.remove(),
  };
}
