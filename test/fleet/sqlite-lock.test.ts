import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { createScratch, type Scratch } from '../contract/database.ts';
import { startTarget, type Target } from '../contract/harness.ts';
import { api, send, visit, type Client } from '../contract/http.ts';
import { assertSettledTotal, createLink } from '../contract/fixtures.ts';
import { sleep } from '../support/faults.ts';

const HOLD_MS = 12_000;

// Issue 7, defect 7 on SQLite: another process holds the write lock longer than any busy timeout.
describe('monolith on SQLite, while another connection holds the write lock for 12 s', () => {
  let scratch: Scratch;
  let target: Target;
  let alice: Client;

  before(async () => {
    scratch = await createScratch('sqlite');
    target = await startTarget({ db: 'sqlite', mode: 'monolith', env: { DATABASE_URL: scratch.databaseUrl } });
    alice = api(target, await target.createUser('alice'));
  });
  after(async () => {
    await target?.dispose();
    await scratch?.remove();
  });

  test('when the lock is held, then cached redirects answer quickly, writes answer 503 with Retry-After, reads work, and clicks are kept', async (t) => {
    const link = await createLink(alice);
    assert.equal((await visit(target, `/${link.code}`)).status, 302, 'warm the cache');
    const outside = new SqliteDatabase(scratch.databaseUrl.slice('sqlite:'.length));
    outside.pragma('busy_timeout = 5000');
    outside.exec('BEGIN IMMEDIATE');
    const released = Date.now() + HOLD_MS;
    let redirects = 1;
    let slowest = 0;
    let create: { status: number; retryAfter: string | null; ms: number } | null = null;
    try {
      // A write while the lock is held: it must give up with a 503, not hang or answer 500.
      const writing = (async () => {
        const started = Date.now();
        const res = await alice.post('/api/links', { url: 'https://example.com/locked' });
        create = { status: res.status, retryAfter: res.headers.get('retry-after'), ms: Date.now() - started };
      })();
      while (Date.now() < released - 500) {
        const started = Date.now();
        const res = await visit(target, `/${link.code}`);
        slowest = Math.max(slowest, Date.now() - started);
        assert.equal(res.status, 302);
        redirects++;
        await sleep(50);
      }
      await writing;
      const listed = await alice.get('/api/links');
      assert.equal(listed.status, 200, `reads go on in WAL mode: ${listed.text.slice(0, 200)}`);
    } finally {
      outside.exec('ROLLBACK');
      outside.close();
    }
    t.diagnostic(`redirects during the lock: ${redirects}, slowest ${slowest} ms; create: ${JSON.stringify(create)}`);
    assert.ok(slowest < 1_000, `the slowest redirect during the lock took ${slowest} ms (${redirects} redirects)`);
    assert.ok(create, 'the create answered');
    const { status, retryAfter, ms } = create as { status: number; retryAfter: string | null; ms: number };
    assert.equal(status, 503, `create during the lock answered ${status} after ${ms} ms`);
    assert.ok(Number(retryAfter) > 0, 'Retry-After');
    assert.ok(ms < HOLD_MS - 2_000, `create took ${ms} ms`);
    assert.equal((await send(target.baseUrl, 'GET', '/ready')).status, 200);
    assert.equal((await alice.post('/api/links', { url: 'https://example.com/unlocked' })).status, 201);
    await assertSettledTotal(alice, link.code, redirects);
  });
});
