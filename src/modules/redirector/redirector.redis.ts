import { createRequire } from 'node:module';
import type { Redis as RedisClient } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/logger.ts';
import { METRICS, counter } from '../../common/metrics.catalogue.ts';
import type { LinkChangeListener } from '../links/index.ts';
import type { LinkCache } from './redirector.port.ts';

const CHANNEL = 'morphlink:link-changed';

// Loaded only when REDIS_URL is set, so a process without Redis never holds the client in memory.
const requireOnDemand = createRequire(import.meta.url);
const connect = (url: string, options: object): RedisClient => {
  const { Redis } = requireOnDemand('ioredis') as typeof import('ioredis');
  return new Redis(url, options);
};

export interface RedisPublisherDeps {
  redisUrl: string;
  /** How a change reaches the redirectors when Redis does not take it: HTTP to each replica. */
  fallback: LinkChangeListener;
  /** How many redirectors should hear a publish; fewer subscribers means some missed it. */
  expectedReceivers: () => number;
  registry: Registry;
  logger: Logger;
}

/**
 * With REDIS_URL: the links service publishes each changed code; every redirector drops it from
 * its cache. When Redis is down (or fewer redirectors listen than exist), the change goes over
 * HTTP instead, so a deleted or newly protected link never outlives its change by a cache TTL.
 */
export function createRedisPublisher({ redisUrl, fallback, expectedReceivers, registry, logger }: RedisPublisherDeps) {
  // No offline queue and a command timeout: a publish to a dead Redis fails now, not after retries.
  const redis = connect(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 1_000 });
  const fallbacks = counter(registry, METRICS.cacheInvalidationFallbacks);
  let degraded = false;
  redis.on('error', (error) => logger.warn({ err: error }, 'redis publisher error'));
  redis.on('ready', () => {
    if (degraded) logger.info('redis is back: link changes are published on it again');
    degraded = false;
  });

  async function publish(code: string): Promise<boolean> {
    try {
      const receivers = await redis.publish(CHANNEL, code);
      return receivers >= expectedReceivers();
    } catch (error) {
      // Logged once per outage: every link change during it would repeat the same line.
      if (!degraded) logger.warn({ err: error }, 'redis did not take a link change; telling the redirectors over HTTP until it does');
      degraded = true;
      return false;
    }
  }

  return {
    async linkChanged(code: string): Promise<void> {
      if (await publish(code)) return;
      fallbacks.inc();
      await fallback.linkChanged(code);
    },
    /** For /ready: fails while Redis is not connected (changes then go over HTTP). */
    async ping(): Promise<void> {
      if (redis.status !== 'ready') throw new Error(`redis is ${redis.status}; link changes go to the redirectors over HTTP`);
      await redis.ping();
    },
    async close(): Promise<void> {
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}

export function subscribeToLinkChanges(redisUrl: string, cache: LinkCache, logger: Logger): { close(): Promise<void> } {
  const redis = connect(redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis subscriber error'));
  // After a reconnect we may have missed messages: start from a clean cache.
  redis.on('ready', () => cache.clear());
  redis.on('message', (_channel, code: string) => cache.invalidate(code));
  void redis.subscribe(CHANNEL).catch((error: unknown) => logger.error({ err: error }, 'redis subscribe failed'));
  // quit() would wait for a Redis that is down, holding up the shutdown.
  return { close: async () => void (redis.status === 'ready' ? await redis.quit() : redis.disconnect()) };
}
