import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis as RedisClient } from 'ioredis';
import type { RateLimitConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { App } from './server.ts';

/** A route opts into a tighter limit with `config: { limit: 'create' | 'password' }`. */
export type LimitClass = 'create' | 'password';

declare module 'fastify' {
  interface FastifyContextConfig {
    limit?: LimitClass;
  }
}

export interface RateLimitOptions {
  limits: Readonly<RateLimitConfig>;
  /** With Redis, every process of a fleet counts against the same limits. */
  redisUrl: string | null;
  /** Keeps fleets that share one Redis apart (a hash of it names the keys); the fleet's INTERNAL_TOKEN. */
  fleetSecret: string | null;
  logger: Logger;
}

type Check = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

const requireOnDemand = createRequire(import.meta.url);

function connect(url: string, logger: Logger): RedisClient {
  const { Redis } = requireOnDemand('ioredis') as typeof import('ioredis');
  // Short timeouts, as the plugin recommends: a slow Redis must not hold requests.
  const redis = new Redis(url, { connectTimeout: 500, maxRetriesPerRequest: 1 });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis rate-limit store error'));
  return redis;
}

const isApi = (request: FastifyRequest) => (request.routeOptions.url ?? '').startsWith('/api/');

/**
 * Limits per client IP and per API key on /api/*, per key on link creation, per IP on password
 * guesses. Register on the root app before the route plugins. Redirects, /health, /ready,
 * /metrics and /events are never limited. A limit of 0 is off.
 */
export async function registerRateLimits(app: App, options: RateLimitOptions): Promise<void> {
  const { limits, redisUrl, fleetSecret, logger } = options;
  const redis = redisUrl ? connect(redisUrl, logger) : null;
  const fleet = fleetSecret ? createHash('sha256').update(fleetSecret).digest('hex').slice(0, 12) : 'default';
  // skipOnError: when Redis is unreachable, serve rather than fail every request.
  await app.register(rateLimit, { global: false, redis, nameSpace: `morphlink:rl:${fleet}:`, skipOnError: true });
  if (redis) app.addHook('onClose', async () => void (await redis.quit()));

  const limiter = (name: string, max: number, keyOf: (r: FastifyRequest) => string | null, why: string): Check | null => {
    if (max === 0) return null;
    // The library gives every limiter made here the same key space: the name keeps them apart.
    const check = app.createRateLimit({ max, timeWindow: 60_000, keyGenerator: (r) => `${name}:${keyOf(r) ?? ''}` });
    return async (request, reply) => {
      if (keyOf(request) === null) return;
      const result = await check(request);
      if (result.isAllowed || !result.isExceeded) return;
      const seconds = Math.max(1, result.ttlInSeconds);
      reply.header('retry-after', seconds).header('x-ratelimit-limit', result.max).header('x-ratelimit-remaining', 0);
      throw new AppError('RATE_LIMITED', `${why} (limit ${max} a minute); retry in ${seconds} s.`);
    };
  };
  const byIp = (r: FastifyRequest) => r.ip;
  const byPrincipal = (r: FastifyRequest) => r.principal?.id ?? null;
  const apiByIp = limiter('api-ip', limits.apiPerMin, byIp, 'Too many API requests from this address');
  const apiByKey = limiter('api-key', limits.apiPerMin, byPrincipal, 'Too many API requests for this user');
  const create = limiter('create', limits.createPerMin, byPrincipal, 'Too many links created');
  const password = limiter('password', limits.passwordPerMin, byIp, 'Too many password attempts from this address');

  // onRequest on the root runs before a scope's authentication: key guessing is limited too.
  app.addHook('onRequest', async (request, reply) => {
    if (isApi(request)) await apiByIp?.(request, reply);
    if (request.routeOptions.config?.limit === 'password') await password?.(request, reply);
  });
  // preParsing runs after authentication and before the body is read.
  app.addHook('preParsing', async (request, reply, payload) => {
    if (isApi(request)) await apiByKey?.(request, reply);
    if (request.routeOptions.config?.limit === 'create') await create?.(request, reply);
    return payload;
  });
}
