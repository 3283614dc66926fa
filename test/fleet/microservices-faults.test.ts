import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, type Client } from '../contract/http.ts';
import { eventually, targetUrl } from '../contract/fixtures.ts';
import type { Link, Page } from '../contract/types.ts';
import { apiLoad, assertOnlyRetryable503s, proxiedDatabase, sleep, type ProxiedDatabase } from '../support/faults.ts';
import { startFleet, type Fleet, type ProcessStatus } from './fleet.ts';

const DATABASE_SERVICES = ['auth', 'links', 'analytics'];

// Issue 7, defects 2 and 6 in microservices: every service on one PostgreSQL database.
describe('microservices fleet on PostgreSQL, under database and analytics faults', () => {
  let database: ProxiedDatabase;
  let fleet: Fleet;
  let alice: Client;
  let frozenPid: number | null = null;

  before(async () => {
    database = await proxiedDatabase();
    fleet = await startFleet({ db: 'postgres', env: { DATABASE_URL: database.url } });
    alice = api(fleet, await fleet.createUser('alice'));
  });
  after(async () => {
    if (frozenPid !== null) process.kill(frozenPid, 'SIGCONT');
    await fleet?.dispose();
    await database?.remove();
  });

  const processes = async (): Promise<ProcessStatus[]> =>
    (await fleet.status()).processes.filter((p) => DATABASE_SERVICES.includes(p.name));

  test('when pg_terminate_backend ends every session under API load, then no service dies, failures are 503s, and the API recovers', async (t) => {
    const before = await processes();
    const faults = (async () => {
      for (let i = 0; i < 4; i++) {
        await sleep(500);
        t.diagnostic(`terminated ${await database.terminateSessions()} sessions`);
      }
      await sleep(500);
    })();
    const result = await apiLoad(alice, 8, faults);
    t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries(result.statuses))}`);
    const afterwards = await processes();
    for (const service of before) {
      const now = afterwards.find((p) => p.name === service.name);
      assert.deepEqual([now?.pid, now?.restarts], [service.pid, service.restarts], `${service.name} died and was restarted`);
    }
    assertOnlyRetryable503s(result, 'terminated sessions');
    const status = await eventually(() => alice.post('/api/links', { url: targetUrl() }).then((r) => r.status), (s) => s === 201);
    assert.equal(status, 201);
  });

  // POSIX-only: SIGSTOP freezes analytics without closing its sockets, as a hung process does.
  test('when analytics is frozen, then links can still be created (clicks 0) and listed (clicks null)', { skip: process.platform === 'win32' }, async (t) => {
    const analytics = (await fleet.status()).processes.find((p) => p.name === 'analytics');
    assert.ok(analytics?.pid, 'the supervisor reports the analytics pid');
    const created: Link[] = [];
    const statuses: number[] = [];
    process.kill(analytics.pid, 'SIGSTOP');
    frozenPid = analytics.pid;
    const started = Date.now();
    try {
      for (let i = 0; i < 10; i++) {
        const res = await alice.post<Link>('/api/links', { url: targetUrl() });
        statuses.push(res.status);
        if (res.status === 201) created.push(res.body);
        const listed = await alice.get<Page>('/api/links?limit=5');
        statuses.push(listed.status);
        if (listed.status === 200) assert.ok(listed.body.items.every((l) => (l.clicks as number | null) === null), 'clicks are unknown while analytics is frozen');
      }
    } finally {
      process.kill(analytics.pid, 'SIGCONT');
      frozenPid = null;
    }
    t.diagnostic(`20 calls while analytics was frozen took ${Date.now() - started} ms: ${JSON.stringify(statuses)}`);
    assert.deepEqual(statuses, Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 201 : 200)));
    assert.ok(created.every((l) => l.clicks === 0), "a new link has 0 clicks");
    const one = await eventually(() => alice.get<Link>(`/api/links/${created[0]?.code}`), (r) => r.status === 200 && r.body.clicks === 0);
    assert.equal(one.body.clicks, 0, 'clicks are known again once analytics answers');
  });
});
