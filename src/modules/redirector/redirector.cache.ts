import { LRUCache } from 'lru-cache';
import type { Registry } from 'prom-client';
import { METRICS, counter } from '../../common/metrics.catalogue.ts';
import type { LinkCache, LinkResolver, ResolvedLink } from './redirector.port.ts';

export interface LinkCacheOptions {
  max: number;
  /** Bounds staleness if an invalidation is ever lost. */
  ttlMs: number;
  registry: Registry;
}

/**
 * An in-memory LRU in front of LinksPort.resolve, whether that port is in-process or remote.
 * Concurrent misses for one code share a single lookup. Unknown codes are not cached, so a
 * link created a moment ago is found at once.
 */
export function withLinkCache(links: LinkResolver, { max, ttlMs, registry }: LinkCacheOptions): LinkCache {
  const lookups = counter(registry, METRICS.linkCache);
  const hit = lookups.labels('hit');
  const miss = lookups.labels('miss');
  if (max === 0) {
    return { resolve: (code) => (miss.inc(), links.resolve(code)), peek: () => undefined, invalidate: () => undefined, clear: () => undefined };
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
    invalidate: (code) => void cache.delete(code),
    clear: () => cache.clear(),
  };
}
