import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as setImmediatePromise, setTimeout as delay } from 'node:timers/promises';
import { Registry } from 'prom-client';
import type { ResolvedLink } from '../links/index.ts';
import { withLinkCache } from './index.ts';
import { warmCache } from './redirector.cache.ts';
import { silentLogger as silent } from '../../../test/support/test-support.ts';

const linkFor = (code: string, url = `https://example.com/${code}`): ResolvedLink => ({
  id: `id-${code}`, code, url, ownerId: 'owner', expiresAt: null, maxClicks: null, redirectType: 302, passwordHash: null, rules: [],
});

/**
 * The links port as the cache sees it: counts the codes it looks up (`lookups`) and keeps the
 * codes of each resolveMany call (`calls`), and can hold its answers until released.
 */
function fakeLinks(known: string[]) {
  const links = new Map(known.map((code) => [code, linkFor(code)]));
  let gate: Promise<void> = Promise.resolve();
  const port = {
    lookups: 0,
    calls: [] as string[][],
    links,
    hold(): () => void {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return release;
    },
    async resolve(code: string) {
      port.lookups++;
      await gate;
      return links.get(code) ?? null;
    },
    async resolveMany(codes: readonly string[]) {
      port.lookups += codes.length;
      port.calls.push([...codes]);
      await gate;
      return codes.map((code) => links.get(code) ?? null);
    },
  };
  return port;
}

function setup(max = 100, known = ['abc'], ttlMs = 60_000, refreshGatherMs?: number) {
  const links = fakeLinks(known);
  const registry = new Registry();
  const cache = withLinkCache(links, { max, ttlMs, registry, ...(refreshGatherMs !== undefined && { refreshGatherMs }) });
  const counted = async (result: 'hit' | 'miss') =>
    (await registry.getSingleMetric('morphlink_link_cache_total')!.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
  return { links, cache, counted };
}

describe('withLinkCache', () => {
  it('when a code was resolved once, then later resolves are hits and skip the lookup', async () => {
    const { links, cache, counted } = setup();
    assert.equal((await cache.resolve('abc'))?.url, 'https://example.com/abc');
    assert.equal((await cache.resolve('abc'))?.url, 'https://example.com/abc');
    assert.equal(links.lookups, 1);
    assert.deepEqual([await counted('miss'), await counted('hit')], [1, 1]);
  });

  it('when a code is invalidated, then the next resolve looks it up again and sees the change', async () => {
    const { links, cache } = setup();
    await cache.resolve('abc');
    links.links.set('abc', linkFor('abc', 'https://example.com/changed'));
    assert.equal((await cache.resolve('abc'))?.url, 'https://example.com/abc', 'still cached before invalidation');
    cache.invalidate('abc');
    assert.equal((await cache.resolve('abc'))?.url, 'https://example.com/changed');
    assert.equal(links.lookups, 2);
  });

  it('when the cache is cleared, then every code is looked up again', async () => {
    const { links, cache } = setup(100, ['abc', 'def']);
    await Promise.all([cache.resolve('abc'), cache.resolve('def')]);
    cache.clear();
    await Promise.all([cache.resolve('abc'), cache.resolve('def')]);
    assert.equal(links.lookups, 4);
  });

  it('when many resolves of one code miss at once, then they share a single lookup', async () => {
    const { links, cache } = setup();
    const release = links.hold();
    const pending = Array.from({ length: 10 }, () => cache.resolve('abc'));
    release();
    const answers = await Promise.all(pending);
    assert.equal(links.lookups, 1);
    assert.ok(answers.every((a) => a?.code === 'abc'));
  });

  it('when a code is unknown, then null is not cached, so a link created a moment later is found', async () => {
    const { links, cache } = setup();
    assert.equal(await cache.resolve('new'), null);
    links.links.set('new', linkFor('new'));
    assert.equal((await cache.resolve('new'))?.code, 'new');
    assert.equal(links.lookups, 2);
  });

  it('when max is 0, then nothing is cached and every resolve looks up', async () => {
    const { links, cache } = setup(0);
    await cache.resolve('abc');
    await cache.resolve('abc');
    assert.equal(links.lookups, 2);
  });

  it('when a link changes while its lookup is in flight, then the waiting resolve still answers', async () => {
    const { links, cache } = setup();
    const release = links.hold();
    const pending = cache.resolve('abc');
    // A PATCH/DELETE of the link arrives while a redirect for it is still resolving.
    cache.invalidate('abc');
    release();
    assert.equal((await pending)?.code, 'abc');
  });
});

describe('warming the link cache at start', () => {
  const warmedTotal = async (registry: Registry) => (await registry.getSingleMetric('morphlink_link_cache_warmed_total')!.get()).values[0]?.value ?? 0;

  it('when codes are warmed, then the known ones are cached without a hit or miss, unknown ones are not, and no more than the cache holds', async () => {
    const links = fakeLinks(['a', 'b', 'c']);
    const registry = new Registry();
    const cache = withLinkCache(links, { max: 2, ttlMs: 60_000, registry });
    const counted = async (result: string) =>
      (await registry.getSingleMetric('morphlink_link_cache_total')!.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
    // The cache holds two: 'c', third in order, is not asked.
    assert.equal(await cache.warm(['a', 'nope', 'c']), 1);
    assert.equal(links.lookups, 2);
    assert.equal(await cache.warm(['a', 'b']), 1, 'a is cached already, and not looked up again');
    assert.equal(links.lookups, 3);
    assert.deepEqual([await counted('hit'), await counted('miss')], [0, 0]);
    assert.equal(await warmedTotal(registry), 2);
    assert.equal(cache.peek('b')?.code, 'b');
    assert.equal(links.lookups, 3);
    assert.equal(await withLinkCache(links, { max: 0, ttlMs: 0, registry: new Registry() }).warm(['a']), 0);
  });

  it('when analytics does not answer at first, then the hot codes are asked again until it does, and the cache is warmed', async () => {
    const links = fakeLinks(['hot', 'warm']);
    const cache = withLinkCache(links, { max: 10, ttlMs: 60_000, registry: new Registry() });
    const asked: [number, number][] = [];
    const hot = {
      async hotCodes(hours: number, limit: number) {
        asked.push([hours, limit]);
        if (asked.length < 3) throw new Error('connect ECONNREFUSED');
        return ['hot', 'warm'];
      },
    };
    await warmCache(cache, hot, { hours: 24, limit: 10, logger: silent, retryMs: 1 }).done;
    assert.deepEqual(asked, [[24, 10], [24, 10], [24, 10]]);
    assert.deepEqual([cache.peek('hot')?.code, cache.peek('warm')?.code], ['hot', 'warm']);
  });

  it('when it is stopped while waiting to ask again, then it asks no more and ends', async () => {
    const cache = withLinkCache(fakeLinks(['hot']), { max: 10, ttlMs: 60_000, registry: new Registry() });
    let asked = 0;
    const hot = { hotCodes: async () => (asked++, Promise.reject(new Error('down'))) };
    const warming = warmCache(cache, hot, { hours: 24, limit: 10, logger: silent, retryMs: 60_000 });
    while (asked === 0) await setImmediatePromise();
    warming.stop();
    await warming.done;
    assert.equal(asked, 1);
    assert.equal(cache.peek('hot'), undefined);
  });
});

describe('a cached link past its TTL (CACHE_TTL_MS)', () => {
  const TTL_MS = 20;
  const GATHER_MS = 10;
  const pastTtl = () => delay(TTL_MS + 15);
  const pastGathering = () => delay(GATHER_MS + 15);
  const settle = async () => {
    for (let i = 0; i < 3; i++) await setImmediatePromise();
  };

  it('when it is asked, then it answers at once, one lookup goes out behind once the gathering is over, and the answers after are the fresh link', async () => {
    const { links, cache, counted } = setup(10, ['abc'], TTL_MS, GATHER_MS);
    await cache.resolve('abc');
    links.links.set('abc', linkFor('abc', 'https://example.com/changed'));
    await pastTtl();
    const release = links.hold();
    assert.equal(cache.peek('abc')?.url, 'https://example.com/abc');
    assert.equal(links.lookups, 1, 'gathering: no lookup yet');
    await pastGathering();
    assert.deepEqual(links.calls, [['abc']]);
    // The lookup is still out: asked again, the same answer, and no second lookup.
    assert.equal((await cache.resolve('abc'))?.url, 'https://example.com/abc');
    assert.equal(cache.peek('abc')?.url, 'https://example.com/abc');
    release();
    await settle();
    assert.equal(cache.peek('abc')?.url, 'https://example.com/changed');
    assert.equal(links.lookups, 2);
    assert.deepEqual([await counted('hit'), await counted('miss')], [4, 1]);
  });

  it('when many links pass their TTL together, then they are looked up again in calls of up to 200 codes, not one by one', async () => {
    const codes = Array.from({ length: 250 }, (_, i) => `c${i}`);
    const { links, cache } = setup(1_000, codes, TTL_MS, GATHER_MS);
    await cache.warm(codes);
    for (const code of codes) links.links.set(code, linkFor(code, `https://example.com/new/${code}`));
    links.calls.length = 0;
    await pastTtl();
    for (const code of codes) assert.equal(cache.peek(code)?.url, `https://example.com/${code}`);
    // The 200th stale link sends the first call at once; the other 50 go when the gathering ends.
    assert.deepEqual(links.calls.map((call) => call.length), [200]);
    await pastGathering();
    await settle();
    assert.deepEqual(links.calls.map((call) => call.length), [200, 50]);
    assert.deepEqual(links.calls.flat().sort(), [...codes].sort());
    for (const code of codes) assert.equal(cache.peek(code)?.url, `https://example.com/new/${code}`);
  });

  it('when its link was deleted and the change never reached the cache, then the TTL bounds it: one last answer, then not found', async () => {
    const { links, cache } = setup(10, ['abc'], TTL_MS, GATHER_MS);
    await cache.resolve('abc');
    links.links.delete('abc');
    await pastTtl();
    assert.equal(cache.peek('abc')?.code, 'abc');
    await pastGathering();
    await settle();
    assert.equal(cache.peek('abc'), undefined);
    assert.equal(await cache.resolve('abc'), null);
  });
});

describe('a cached link past its TTL, changed while its lookup is out', () => {
  it('when the change is announced before the lookup ends, then the lookup does not put back what it found', async () => {
    // Links reads the row at once; the refresh's lookup answers only when released, with the link
    // as it was read.
    let current = linkFor('abc');
    let release = () => {};
    let refreshed: Promise<ResolvedLink[]> | undefined;
    const links = {
      resolve: async (_code: string) => current,
      resolveMany(_codes: readonly string[]) {
        const read = current;
        refreshed = new Promise<ResolvedLink[]>((resolve) => (release = () => resolve([read])));
        return refreshed;
      },
    };
    const cache = withLinkCache(links, { max: 10, ttlMs: 20, registry: new Registry(), refreshGatherMs: 5 });
    await cache.resolve('abc');
    await delay(35);
    current = linkFor('abc', 'https://example.com/before-the-change');
    assert.equal(cache.peek('abc')?.url, 'https://example.com/abc');
    await delay(20);
    assert.ok(refreshed, 'the refresh is out');
    // The PATCH lands and is announced while that lookup, which read the link before it, is out.
    current = linkFor('abc', 'https://example.com/after-the-change');
    cache.invalidate('abc');
    release();
    await refreshed;
    for (let i = 0; i < 3; i++) await setImmediatePromise();
    assert.equal(cache.peek('abc'), undefined);
    assert.equal((await cache.resolve('abc'))?.url, 'https://example.com/after-the-change');
  });
});
