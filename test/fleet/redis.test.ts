import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { api, visit, type Client } from '../contract/http.ts';
import { createLink, eventually, targetUrl } from '../contract/fixtures.ts';
import { metric, redirectorPorts, startFleet, type Fleet } from './fleet.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
// The links service's channel: listening to it proves a change went through Redis, not the HTTP fallback.
const CHANNEL = 'morphlink:link-changed';

/** One replica's cache hits so far, read from its own /metrics. */
const cacheHits = (port: number) => metric(port, 'morphlink_link_cache_total', 'result="hit"');

const locationAt = async (port: number, code: string) =>
  (await visit({ baseUrl: `http://127.0.0.1:${port}` }, `/r/${code}`)).headers.get('location');

describe('microservices fleet with REDIS_URL (SQLite, 2 redirector replicas)', () => {
  let fleet: Fleet;
  let alice: Client;
  let subscriber: Redis;
  const published: string[] = [];
  /** Waits (briefly) for `code` to be announced on the channel; answers how often it was. */
  const announced = async (code: string) =>
    eventually(async () => published.filter((c) => c === code).length, (n) => n > 0, 3_000);

  before(async () => {
    subscriber = new Redis(REDIS_URL);
    subscriber.on('message', (_channel, code: string) => published.push(code));
    await subscriber.subscribe(CHANNEL);
    // A TTL far beyond the test: only an invalidation can make a replica drop a cached target.
    fleet = await startFleet({ db: 'sqlite', replicas: 2, env: { REDIS_URL, CACHE_TTL_MS: '600000' } });
    alice = api(fleet, await fleet.createUser('alice'));
  });
  after(async () => {
    await fleet?.dispose();
    await subscriber?.quit();
  });

  test('when a link’s target changes, then both replicas, called directly, redirect to the new target', async () => {
    const before = targetUrl('redis-before');
    const changed = targetUrl('redis-after');
    const link = await createLink(alice, { url: before });
    const ports = await redirectorPorts(fleet);
    assert.equal(ports.length, 2);
    for (const port of ports) {
      const hits = await cacheHits(port);
      assert.equal(await locationAt(port, link.code), before, `replica ${port}, first visit`);
      assert.equal(await locationAt(port, link.code), before, `replica ${port}, second visit`);
      // The second visit was served from the cache: the old target really is cached there.
      assert.equal((await cacheHits(port)) - hits, 1, `replica ${port} cache hits`);
    }

    assert.equal((await alice.patch(`/api/links/${link.code}`, { url: changed })).status, 200);
    assert.equal(await announced(link.code), 1, 'one change published on Redis');
    for (const port of ports) {
      // The subscriber gets the message a moment after PATCH answers: allow that moment, far below the TTL.
      assert.equal(await eventually(() => locationAt(port, link.code), (l) => l === changed, 3_000), changed, `replica ${port}`);
    }
  });

  test('when a link is deleted, then both replicas stop redirecting it', async () => {
    const link = await createLink(alice, { url: targetUrl('redis-deleted') });
    const ports = await redirectorPorts(fleet);
    for (const port of ports) assert.equal((await visit({ baseUrl: `http://127.0.0.1:${port}` }, `/r/${link.code}`)).status, 302);
    assert.equal((await alice.delete(`/api/links/${link.code}`)).status, 204);
    assert.equal(await announced(link.code), 1, 'one change published on Redis');
    for (const port of ports) {
      const status = await eventually(async () => (await visit({ baseUrl: `http://127.0.0.1:${port}` }, `/r/${link.code}`)).status, (s) => s === 404, 3_000);
      assert.equal(status, 404, `replica ${port}`);
    }
  });
});
