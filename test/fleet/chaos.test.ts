import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createScratch, type Scratch } from '../contract/database.ts';
import { createLink, eventually, readStats, runPool } from '../contract/fixtures.ts';
import { freePort } from '../contract/harness.ts';
import { api, visit, type Client } from '../contract/http.ts';
import { redirectorPorts, startFleet, type Fleet } from './fleet.ts';
import { isListening, until } from './process.ts';
import { startRedisRelay } from './redis-relay.ts';

const VISITS = 4_000;
const HANG_MS = 8_000;
const CONCURRENCY = 8;

/** Drops every session of this fleet's own database, as a failover or a restart does. */
async function terminateBackends(databaseUrl: string): Promise<number> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: databaseUrl.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    return rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

/** POSIX-only: SIGSTOP (a hung analytics) and SIGKILL. */
describe('fleet under faults (PostgreSQL, 2 redirectors, Redis): every answered redirect is counted', { skip: process.platform === 'win32' && 'POSIX signals' }, () => {
  let fleet: Fleet;
  let alice: Client;
  let scratch: Scratch;
  let relay: { close(): void };

  before(async () => {
    scratch = await createScratch('postgres');
    const redisPort = await freePort();
    relay = await startRedisRelay(redisPort);
    fleet = await startFleet({
      db: 'postgres',
      replicas: 2,
      env: { DATABASE_URL: scratch.databaseUrl, REDIS_URL: `redis://127.0.0.1:${redisPort}`, LOG_LEVEL: 'error' },
    });
    alice = api(fleet, await fleet.createUser('alice'));
  });
  after(async () => {
    await fleet?.dispose();
    relay?.close();
    await scratch?.remove();
  });

  const pidOf = async (name: string, port?: number) =>
    (await fleet.status()).processes.find((p) => p.name === name && (port === undefined || p.port === port))?.pid ?? 0;

  test('when each service is killed in turn, analytics hangs, the database drops its connections and Redis goes away, then clicks counted == 302s answered', async (t) => {
    const link = await createLink(alice);
    const replicas = (await redirectorPorts(fleet)).map((port) => ({ baseUrl: `http://127.0.0.1:${port}` }));
    let hungPid = 0;
    let resume: NodeJS.Timeout | undefined;
    const cont = () => {
      try {
        if (hungPid) process.kill(hungPid, 'SIGCONT');
      } catch {
        // Already gone.
      }
    };
    const faults = new Map<number, () => Promise<unknown>>([
      [300, async () => process.kill(await pidOf('auth'), 'SIGKILL')],
      [600, async () => process.kill(await pidOf('links'), 'SIGKILL')],
      // A hung analytics for longer than the sender's timeout, not a dead one.
      [900, async () => {
        hungPid = await pidOf('analytics');
        process.kill(hungPid, 'SIGSTOP');
        resume = setTimeout(cont, HANG_MS);
      }],
      // A redirector stopped (as an orchestrator stops it) while analytics hangs keeps its clicks.
      [1_100, async () => process.kill(await pidOf('redirector', Number(new URL(replicas[0]!.baseUrl).port)), 'SIGTERM')],
      [2_600, async () => process.kill(await pidOf('analytics'), 'SIGKILL')],
      [2_900, () => terminateBackends(scratch.databaseUrl)],
      [3_200, async () => relay.close()],
      [3_500, async () => process.kill(await pidOf('gateway'), 'SIGKILL')],
    ]);
    const log: string[] = [];
    try {
      const statuses = await runPool(VISITS, CONCURRENCY, 240_000, async (i) => {
        const fault = faults.get(i);
        if (fault) log.push(`${i}: ${String(await fault().catch((e: unknown) => e))}`);
        // API traffic too, so every service holds database connections when they are dropped.
        if (i % 20 === 0) void alice.get('/api/links').catch(() => undefined);
        // Half through the gateway, half straight to a replica: a dead gateway must not stop all traffic.
        const target = i % 2 === 0 ? fleet : replicas[(i >> 1) % replicas.length]!;
        return visit(target, `/r/${link.code}`).then((r) => r.status, () => 0);
      });
      const answered = statuses.filter((s) => s === 302).length;
      const others = statuses.filter((s) => s !== 302).reduce<Record<number, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {});
      t.diagnostic(`302 answered ${answered} of ${VISITS}; other answers ${JSON.stringify(others)}; faults ${log.join('; ')}`);
      assert.ok(answered > VISITS / 2, `only ${answered} redirects answered`);

      // Every process back and serving, then the spools replayed.
      await eventually(async () => (await fleet.status()).processes.every((p) => p.state === 'running'), (ok) => ok, 60_000);
      const counted = await eventually(
        () => readStats(alice, link.code).then((s) => s.total, () => -1),
        (n) => n >= answered,
        90_000,
      );
      await new Promise((r) => setTimeout(r, 1_000));
      const settled = (await readStats(alice, link.code)).total;
      t.diagnostic(`clicks counted ${counted}, ${settled} a second later`);
      assert.equal(settled, counted, 'the count had not settled');
      // Every 302 is counted. A few more may be: a redirect the redirector answered (and counted)
      // while the gateway relaying it was SIGKILLed reached the client as a dropped connection,
      // at most one per concurrent request.
      assert.ok(settled >= answered, `${answered - settled} answered redirects were not counted`);
      assert.ok(settled <= answered + CONCURRENCY, `${settled - answered} clicks counted that no one was answered`);

      // After all that, a stop leaves nothing behind: no child respawned during shutdown holds a port.
      const { supervisor: _, ...servicePorts } = fleet.ports;
      const ports = [...new Set([...Object.values(servicePorts), ...replicas.map((r) => Number(new URL(r.baseUrl).port))])];
      assert.equal(await fleet.stop('SIGTERM'), 0, 'up exits 0 after its ordered stop');
      for (const port of ports) assert.ok(await until(async () => !(await isListening(port)), 5_000), `port ${port} still held after up stopped`);
    } finally {
      // Never leave a stopped process behind if the load loop failed mid-hang.
      clearTimeout(resume);
      cont();
    }
  });
});
