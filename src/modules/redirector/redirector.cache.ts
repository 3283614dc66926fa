import { setImmediate as nextTurn } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
import type { Registry } from 'prom-client';
import { METRICS, counter } from '../../common/metrics.catalogue.ts';
import type { Logger } from '../../common/logger.ts';
import type { HotCodes, LinkCache, LinkResolver, ResolvedLink } from './redirector.port.ts';

export interface LinkCacheOptions {
  max: number;
  /** Bounds staleness if an invalidation is ever lost. */
  ttlMs: number;
  registry: Registry;
}

/** Codes warm() looks up together: links' most in one call (RESOLVE_MANY_MAX). */
const WARM_SLICE = 200;

/**
 * An in-memory LRU in front of LinksPort.resolve, whether that port is in-process or remote.
 * Concurrent misses for one code share a single lookup. Unknown codes are not cached, so a
 * link created a moment ago is found at once.
 */
export function withLinkCache(links: LinkResolver, { max, ttlMs, registry }: LinkCacheOptions): LinkCache {
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
  return {
    async resolve(code) {
      const cached = cache.get(code);
      if (cached) {
        hit.inc();
        return cached;
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
      const cached = cache.get(code);
      if (cached) hit.inc();
      return cached;
    },
    async warm(codes) {
      const cold = codes.filter((code) => !cache.has(code)).slice(0, max);
      let found = 0;
      // A slice at a time, with a turn between: in one process each lookup is a synchronous query,
      // and ten thousand in one turn would hold every request meanwhile. Over HTTP a slice goes to
      // links in one call (links.client.ts).
      for (let start = 0; start < cold.length; start += WARM_SLICE) {
        const links = await Promise.all(cold.slice(start, start + WARM_SLICE).map((code) => cache.fetch(code).catch(() => undefined)));
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
  /** Analytics may not answer yet when a whole fleet starts: asked this many times in all… */
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
  const { hours, limit, logger, attempts = 5, retryMs = 2_000 } = options;
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
