import { setImmediate as nextTurn } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
import type { Registry } from 'prom-client';
import { METRICS, counter } from '../../common/metrics.catalogue.ts';
import type { Logger } from '../../common/logger.ts';
import { RESOLVE_MANY_MAX } from '../links/index.ts';
import type { HotCodes, LinkCache, LinkLookups, ResolvedLink } from './redirector.port.ts';

export interface LinkCacheOptions {
  max: number;
  /** Bounds staleness if an invalidation is ever lost. */
  ttlMs: number;
  registry: Registry;
  /** How long links past their TTL are gathered before one call looks them up again (default REFRESH_GATHER_MS). */
  refreshGatherMs?: number;
}

/** Codes looked up together, by warm() and by a refresh: links' most in one call. */
const LOOKUP_SLICE = RESOLVE_MANY_MAX;

/**
 * Links past their TTL are answered while they are looked up again, so nothing waits for the
 * lookup: it can wait for others. Links warmed or first asked together expire together: on the
 * bench's 10,000-link mix, a refresh per link cost links 14 µs of CPU a redirect in the run they
 * expired in (under 1 µs in the run before); gathered for this long, they go in calls of up to
 * LOOKUP_SLICE (2.8 µs in that run).
 */
export const REFRESH_GATHER_MS = 50;

/**
 * An in-memory LRU in front of LinksPort.resolve, whether that port is in-process or remote.
 * Concurrent misses for one code share a single lookup. Unknown codes are not cached, so a
 * link created a moment ago is found at once.
 */
export function withLinkCache(links: LinkLookups, { max, ttlMs, registry, refreshGatherMs = REFRESH_GATHER_MS }: LinkCacheOptions): LinkCache {
  const lookups = counter(registry, METRICS.linkCache);
  const hit = lookups.labels('hit');
  const miss = lookups.labels('miss');
  const warmed = counter(registry, METRICS.linkCacheWarmed);
  if (max === 0) {
    return {
      resolve: (code) => (miss.inc(), links.resolve(code)),
      peek: () => undefined,
      warm: async () => 0,
      invalidate: () => undefined,
      clear: () => undefined,
    };
  }
  const cache = new LRUCache<string, ResolvedLink>({
    max,
    ttl: ttlMs || undefined,
    fetchMethod: async (code) => (await links.resolve(code)) ?? undefined,
  });
  // Past its TTL an entry is still answered while it is looked up again behind, and kept until
  // that lookup ends: it then gives way to the link as links has it now, or goes if the link is
  // gone or links failed. So a link in use is never a miss because its TTL ran out, and a change
  // whose invalidation was lost outlives the TTL by one gathering and one lookup at most.
  // (lru-cache's own stale-while-revalidate keeps the stale entry when the lookup finds nothing.)
  // One options object for every get(): its status says whether the entry was stale, without an object per request.
  const status: LRUCache.Status<string, ResolvedLink> = {};
  const staleToo = { status, allowStale: true, noDeleteOnStaleGet: true };
  // Codes past their TTL whose lookup is gathering or out, and (gathering only) the entry each had.
  const refreshing = new Set<string>();
  let gathered = new Map<string, ResolvedLink>();
  let gathering: NodeJS.Timeout | undefined;

  function cached(code: string): ResolvedLink | undefined {
    status.get = undefined;
    const link = cache.get(code, staleToo);
    if (link !== undefined && status.get === 'stale') refresh(code, link);
    return link;
  }

  function refresh(code: string, stale: ResolvedLink): void {
    if (refreshing.has(code)) return;
    refreshing.add(code);
    gathered.set(code, stale);
    if (gathered.size >= LOOKUP_SLICE) lookUpGathered();
    else gathering ??= setTimeout(lookUpGathered, refreshGatherMs).unref();
  }

  function lookUpGathered(): void {
    clearTimeout(gathering);
    gathering = undefined;
    const stale = gathered;
    gathered = new Map();
    const codes = [...stale.keys()];
    void links.resolveMany(codes).then(
      (found) => codes.forEach((code, i) => replace(code, stale.get(code)!, found[i] ?? null)),
      () => codes.forEach((code) => replace(code, stale.get(code)!, null)),
    ).finally(() => codes.forEach((code) => refreshing.delete(code)));
  }

  /** The entry past its TTL gives way to what its lookup found, or goes (not found, or the lookup failed). */
  function replace(code: string, stale: ResolvedLink, link: ResolvedLink | null): void {
    // Invalidated or looked up afresh meanwhile: what the cache holds now is newer than this lookup.
    if (cache.peek(code, { allowStale: true }) !== stale) return;
    if (link) cache.set(code, link);
    else cache.delete(code);
  }

  return {
    async resolve(code) {
      const link = cached(code);
      if (link) {
        hit.inc();
        return link;
      }
      miss.inc();
      try {
        return (await cache.fetch(code)) ?? null;
      } catch {
        // The entry was invalidated while its lookup ran, which aborts the shared fetch: this
        // caller asks again, uncached, and so sees the link as it is after the change.
        return links.resolve(code);
      }
    },
    peek(code) {
      const link = cached(code);
      if (link) hit.inc();
      return link;
    },
    async warm(codes) {
      const cold = codes.filter((code) => cache.peek(code, { allowStale: true }) === undefined).slice(0, max);
      let found = 0;
      // A slice at a time, with a turn between: in one process each lookup is a synchronous query,
      // and ten thousand in one turn would hold every request meanwhile. Over HTTP a slice goes to
      // links in one call (links.client.ts).
      for (let start = 0; start < cold.length; start += LOOKUP_SLICE) {
        const links = await Promise.all(cold.slice(start, start + LOOKUP_SLICE).map((code) => cache.fetch(code).catch(() => undefined)));
        const slice = links.filter((link) => link !== undefined).length;
        warmed.inc(slice);
        found += slice;
        await nextTurn();
      }
      return found;
    },
    invalidate: (code) => void cache.delete(code),
    clear: () => cache.clear(),
  };
}

export interface CacheWarmingOptions {
  /** CACHE_WARM_HOURS: how far back "redirected most" looks. */
  hours: number;
  /** How many links at most: the cache's size. */
  limit: number;
  logger: Logger;
  /** Analytics may not answer yet when a whole fleet starts (on two busy cores, more than 10 s): asked this many times in all (default 30, a minute)… */
  attempts?: number;
  /** …this far apart. */
  retryMs?: number;
}

/**
 * Loads into the cache, in the background, the links redirected most in the last hours: a
 * redirector just started (a restart, or a replica the autopilot added under load) then answers
 * them from memory from its first request, instead of asking links for each while the load is
 * on. Failing only means starting cold: it is logged, never thrown. `stop()` ends it (at close).
 */
export function warmCache(cache: LinkCache, hot: HotCodes, options: CacheWarmingOptions): { done: Promise<void>; stop(): void } {
  const { hours, limit, logger, attempts = 30, retryMs = 2_000 } = options;
  let stopped = false;
  // The pause between attempts, which stop() cuts short.
  let wake = () => {};
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => (clearTimeout(timer), resolve());
    });
  async function run(): Promise<void> {
    const started = performance.now();
    for (let attempt = 1; attempt <= attempts && !stopped; attempt++) {
      try {
        const codes = await hot.hotCodes(hours, limit);
        if (stopped) return;
        const links = await cache.warm(codes);
        logger.info({ links, codes: codes.length, hours, ms: Math.round(performance.now() - started) }, 'link cache warmed with the links redirected most');
        return;
      } catch (error) {
        if (attempt === attempts) logger.warn({ err: error, attempts }, 'link cache not warmed: analytics did not answer; starting cold');
        else await pause(retryMs);
      }
    }
  }
  return {
    done: run(),
    stop() {
      stopped = true;
      wake();
    },
  };
}
