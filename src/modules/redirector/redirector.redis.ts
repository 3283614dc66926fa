import { createRequire } from 'node:module';
import type { Redis as RedisClient } from 'ioredis';
import type { Logger } from '../../common/logger.ts';
import type { LinkChangeListener } from '../links/index.ts';
import type { LinkCache } from './redirector.port.ts';

const CHANNEL = 'morphlink:link-changed';

// Loaded only when REDIS_URL is set, so a process without Redis never holds the client in memory.
const requireOnDemand = createRequire(import.meta.url);
const connect = (url: string, options: object): RedisClient => {
  const { Redis } = requireOnDemand('ioredis') as typeof import('ioredis');
  return new Redis(url, options);
};

/** With REDIS_URL: the links service publishes each changed code; every redirector drops it from its cache. */
export function createRedisPublisher(redisUrl: string, logger: Logger): LinkChangeListener & { close(): Promise<void> } {
  const redis = connect(redisUrl, { maxRetriesPerRequest: 2 });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis publisher error'));
  return {
    async linkChanged(code) {
      try {
        await redis.publish(CHANNEL, code);
      } catch (error) {
        logger.warn({ err: error, code }, 'could not publish a link change; the cache TTL bounds staleness');
      }
    },
    close: async () => void (await redis.quit()),
  };
}

export function subscribeToLinkChanges(redisUrl: string, cache: LinkCache, logger: Logger): { close(): Promise<void> } {
  const redis = connect(redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis subscriber error'));
  // After a reconnect we may have missed messages: start from a clean cache.
  redis.on('ready', () => cache.clear());
  redis.on('message', (_channel, code: string) => cache.invalidate(code));
  void redis.subscribe(CHANNEL).catch((error: unknown) => logger.error({ err: error }, 'redis subscribe failed'));
  return { close: async () => void (await redis.quit()) };
}
