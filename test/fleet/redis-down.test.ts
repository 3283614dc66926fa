import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, visit, type Client } from '../contract/http.ts';
import { createLink } from '../contract/fixtures.ts';
import { freePort } from '../contract/harness.ts';
import { metric, startFleet, type Fleet } from './fleet.ts';
import { startRedisRelay } from './redis-relay.ts';

describe('microservices fleet with REDIS_URL, when Redis goes down (SQLite)', () => {
  let fleet: Fleet;
  let alice: Client;
  let relay: { close(): void };

  before(async () => {
    const port = await freePort();
    relay = await startRedisRelay(port);
    // A TTL far beyond the test: only an invalidation can make the redirector drop a cached target.
    fleet = await startFleet({ db: 'sqlite', env: { REDIS_URL: `redis://127.0.0.1:${port}`, CACHE_TTL_MS: '600000' } });
    alice = api(fleet, await fleet.createUser('alice'));
  });
  after(async () => {
    await fleet?.dispose();
    relay?.close();
  });

  test('when Redis is down, then a deleted link answers 404 and a newly protected link asks for its password at once', async () => {
    const deleted = await createLink(alice);
    const guarded = await createLink(alice);
    for (const code of [deleted.code, guarded.code]) {
      // Twice: the second visit is served from the redirector's cache.
      for (let i = 0; i < 2; i++) assert.equal((await visit(fleet, `/${code}`)).status, 302);
    }
    relay.close();
    // Let the clients notice the dropped connections, as they would a Redis crash.
    await new Promise((r) => setTimeout(r, 300));

    assert.equal((await alice.delete(`/api/links/${deleted.code}`)).status, 204);
    assert.equal((await visit(fleet, `/${deleted.code}`)).status, 404, 'the deleted link still redirects');
    assert.equal((await alice.patch(`/api/links/${guarded.code}`, { password: 'hunter22' })).status, 200);
    const form = await visit(fleet, `/${guarded.code}`, { accept: 'text/html' });
    assert.equal(form.status, 200, 'the newly protected link still redirects');
    assert.equal(form.headers.get('location'), null);

    const ready = await fetch(`http://127.0.0.1:${fleet.ports.links}/ready`);
    const body = (await ready.json()) as { degraded?: Record<string, string> };
    // Degraded, not down: links still serves and invalidates over HTTP, so it stays in rotation.
    assert.equal(ready.status, 200);
    assert.ok(body.degraded?.redis, `links /ready does not name redis: ${JSON.stringify(body)}`);
    assert.ok((await metric(fleet.ports.links, 'morphlink_cache_invalidation_fallbacks_total')) >= 2, 'fallbacks counted');
  });
});
