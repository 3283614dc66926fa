import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTarget, type Target } from '../contract/harness.ts';
import { api, send, visit, type Client } from '../contract/http.ts';
import { assertSettledTotal, createLink, eventually } from '../contract/fixtures.ts';
import { apiLoad, assertOnlyRetryable503s, proxiedDatabase, sleep, type ProxiedDatabase } from '../support/faults.ts';

// Issue 7, defects 2 and 7 on PostgreSQL: a monolith whose database connections are dropped or stalled.
describe('monolith on PostgreSQL, behind a proxy that can stall or cut its connections', () => {
  let database: ProxiedDatabase;
  let target: Target;
  let alice: Client;

  before(async () => {
    database = await proxiedDatabase();
    // A short statement timeout keeps the stall test short; the default is 5 s.
    target = await startTarget({ db: 'postgres', mode: 'monolith', env: { DATABASE_URL: database.url, DB_STATEMENT_TIMEOUT_MS: '1500' } });
    alice = api(target, await target.createUser('alice'));
  });
  after(async () => {
    database?.proxy.thaw();
    await target?.dispose();
    await database?.remove();
  });

  const healthy = () => send(target.baseUrl, 'GET', '/health').then((r) => r.status, (e: Error) => e.message);
  const createsAgain = () =>
    eventually(() => alice.post('/api/links', { url: 'https://example.com/after' }).then((r) => r.status, () => 0), (s) => s === 201, 10_000);

  test('when pg_terminate_backend ends its sessions under API load, then it stays up, answers 503 with Retry-After, and recovers', async (t) => {
    const faults = (async () => {
      for (let i = 0; i < 4; i++) {
        await sleep(400);
        await database.terminateSessions();
      }
      await sleep(400);
    })();
    const result = await apiLoad(alice, 8, faults);
    assert.equal(await healthy(), 200, 'the process died');
    t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries(result.statuses))}`);
    assertOnlyRetryable503s(result, 'terminated sessions');
    assert.equal(await createsAgain(), 201);
  });

  test('when its TCP connections are reset under API load, then it stays up, answers 503 with Retry-After, and recovers', async (t) => {
    const faults = (async () => {
      for (let i = 0; i < 4; i++) {
        await sleep(400);
        database.proxy.reset();
      }
      await sleep(400);
    })();
    const result = await apiLoad(alice, 8, faults);
    assert.equal(await healthy(), 200, 'the process died');
    t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries(result.statuses))}`);
    assertOnlyRetryable503s(result, 'reset connections');
    assert.equal(await createsAgain(), 201);
  });

  test('when the database stalls, then /ready and the API answer 503 in bounded time, cached redirects go on, and clicks are kept', async (t) => {
    const link = await createLink(alice);
    assert.equal((await visit(target, `/${link.code}`)).status, 302, 'warm the cache');
    database.proxy.freeze();
    try {
      let started = Date.now();
      const ready = await send(target.baseUrl, 'GET', '/ready');
      const readyMs = Date.now() - started;
      assert.equal(ready.status, 503, ready.text);
      assert.match(ready.text, /database/);
      assert.ok(readyMs < 3_500, `/ready took ${readyMs} ms`);

      started = Date.now();
      const created = await alice.post('/api/links', { url: 'https://example.com/during-stall' });
      const createMs = Date.now() - started;
      assert.equal(created.status, 503, created.text);
      assert.ok(Number(created.headers.get('retry-after')) > 0, 'Retry-After');
      assert.ok(createMs < 6_000, `create took ${createMs} ms`);
      t.diagnostic(`during the stall: /ready 503 in ${readyMs} ms, create 503 in ${createMs} ms`);

      for (let i = 0; i < 20; i++) {
        started = Date.now();
        assert.equal((await visit(target, `/${link.code}`)).status, 302);
        assert.ok(Date.now() - started < 500, `a cached redirect took ${Date.now() - started} ms`);
      }
    } finally {
      database.proxy.thaw();
    }
    // The stalled connections may be dead for good: recovery may take a fresh one.
    assert.equal(await eventually(() => send(target.baseUrl, 'GET', '/ready').then((r) => r.status), (s) => s === 200, 15_000), 200);
    assert.equal(await createsAgain(), 201);
    await assertSettledTotal(alice, link.code, 21);
  });
});
