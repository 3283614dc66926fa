import { join } from 'node:path';
import { Type } from 'typebox';
import { MissingConfigError, type Config } from '../common/config.ts';
import { createHttpClient, type HttpClient } from '../common/http/client.ts';
import { createInternalAuthenticate, createInternalGuard } from '../common/http/internal.ts';
import type { App, ReadinessChecks } from '../common/http/server.ts';
import {
  analyticsInternalRoutes,
  analyticsRoutes,
  createAnalyticsClient,
  createClickSender,
  createEventsTransport,
  createSpool,
  eventsRoutes,
} from '../modules/analytics/index.ts';
import { authInternalRoutes, authRoutes, createAuthClient, createAuthenticate } from '../modules/auth/index.ts';
import { createLinksClient, linksInternalRoutes, linksRoutes } from '../modules/links/index.ts';
import {
  createCacheInvalidationClient,
  createRedisPublisher,
  redirectorInternalRoutes,
  redirectorRoutes,
  subscribeToLinkChanges,
  withLinkCache,
  type FastPath,
} from '../modules/redirector/index.ts';
import { registerRateLimits } from '../common/http/rate-limit.ts';
import { createContext, createServerFor, rateLimitsOf, type Context } from './context.ts';
import { startGateway } from './gateway.ts';
import { serve } from './lifecycle.ts';
import { buildAnalytics, buildAuth, buildLinks, buildRedirector, shortUrlOrigins } from './modules.ts';

type Peer = 'auth' | 'links' | 'analytics';
type Built = { ready: ReadinessChecks; degraded?: ReadinessChecks; mount(app: App): void; closers: (() => Promise<void>)[]; fastPath?: FastPath };

/** Wiring for one module in its own process: its own service, its peers as HTTP clients. */
const services: Record<'auth' | 'links' | 'analytics' | 'redirector', (ctx: Context, peer: (p: Peer) => HttpClient) => Promise<Built>> = {
  async auth(ctx) {
    const { auth, database } = await buildAuth(ctx);
    const guard = createInternalGuard(ctx.config.internalToken);
    return {
      ready: { database: () => database.ping() },
      mount(app) {
        app.register(authRoutes, { auth, authenticate: createAuthenticate(auth, ctx.config.authMode), authMode: ctx.config.authMode });
        app.register(authInternalRoutes, { auth, guard });
      },
      closers: [],
    };
  },

  async links(ctx, peer) {
    const { config, logger } = ctx;
    let redirectors = (config.redirectorUrls.length > 0 ? config.redirectorUrls : [config.serviceUrls.redirector]).map(
      (url) => createHttpClient(url, { token: config.internalToken, timeoutMs: 1_000 }),
    );
    // Replicas scaled later are not known here; their ports are fresh ones on 127.0.0.1.
    const listen = shortUrlOrigins(config, [config.serviceUrls.redirector, ...config.redirectorUrls]);
    const overHttp = createCacheInvalidationClient(() => redirectors, logger);
    const redis = config.redisUrl
      ? createRedisPublisher({
          redisUrl: config.redisUrl,
          fallback: overHttp,
          expectedReceivers: () => redirectors.length,
          registry: ctx.metrics.registry,
          logger,
        })
      : null;
    const { links, database } = await buildLinks(ctx, { clicks: createAnalyticsClient(peer('analytics')), changes: redis ?? overHttp, listen });
    const guard = createInternalGuard(config.internalToken);
    return {
      ready: {
        database: () => database.ping(),
        auth: () => peer('auth').call('GET', '/health'),
      },
      // Without Redis, link changes still reach every redirector over HTTP: degraded, not down.
      ...(redis ? { degraded: { redis: () => redis.ping() } } : {}),
      mount(app) {
        app.register(linksRoutes, { links, authenticate: createAuthenticate(createAuthClient(peer('auth')), config.authMode) });
        app.register(linksInternalRoutes, { links, guard, authenticate: createInternalAuthenticate(config.internalToken) });
        // The supervisor tells us when redirector replicas come and go.
        app.register(async (scope: App) => {
          scope.addHook('onRequest', guard);
          scope.put('/internal/redirectors', { schema: { hide: true, body: Type.Object({ urls: Type.Array(Type.String()) }) } }, async (request) => {
            redirectors = request.body.urls.map((url) => createHttpClient(url, { token: config.internalToken, timeoutMs: 1_000 }));
            return { redirectors: request.body.urls.length };
          });
        });
      },
      closers: redis ? [() => redis.close()] : [],
    };
  },

  async analytics(ctx, peer) {
    // No writer here: this process stores what POST /events brings; only redirectors record clicks.
    const { queries, ingestion, database } = await buildAnalytics(ctx);
    const guard = createInternalGuard(ctx.config.internalToken);
    return {
      ready: { database: () => database.ping() },
      mount(app) {
        const authenticate = createAuthenticate(createAuthClient(peer('auth')), ctx.config.authMode);
        app.register(analyticsRoutes, { queries, links: createLinksClient(peer('links')), authenticate });
        app.register(eventsRoutes, { ingestion, guard });
        app.register(analyticsInternalRoutes, { queries, ingestion, guard });
      },
      closers: [],
    };
  },

  async redirector(ctx, peer) {
    const { config, logger, metrics } = ctx;
    const analyticsHttp = peer('analytics');
    // Its own pool with a short timeout: one send, then the spool, so a hung analytics holds no clicks in memory.
    const eventsHttp = createHttpClient(config.serviceUrls.analytics, { token: config.internalToken, timeoutMs: config.clickSendTimeoutMs });
    const sender = createClickSender({
      transport: createEventsTransport(eventsHttp),
      // One spool per replica (by port), so replicas never share a file.
      spool: createSpool(config.spoolDir ?? join(config.dataDir, 'spool', `redirector-${config.servicePorts.redirector}`)),
      flushMs: config.clickFlushMs,
      sendTimeoutMs: config.clickSendTimeoutMs,
      batchMax: Math.min(config.clickBatchMax, 500),
      registry: metrics.registry,
      logger,
    });
    const counts = createAnalyticsClient(analyticsHttp);
    const cache = withLinkCache(createLinksClient(peer('links')), { max: config.cacheMax, ttlMs: config.cacheTtlMs, registry: metrics.registry });
    const subscription = config.redisUrl ? subscribeToLinkChanges(config.redisUrl, cache, logger) : null;
    const { redirector, countRedirect, fastPath } = buildRedirector(ctx, { links: cache, clicks: sender, counts });
    return {
      ready: { links: () => peer('links').call('GET', '/health') },
      mount(app) {
        app.register(redirectorRoutes, { redirector, countRedirect, trustProxy: ctx.config.trustProxy });
        app.register(redirectorInternalRoutes, { cache, guard: createInternalGuard(config.internalToken) });
      },
      closers: [() => sender.close(), () => eventsHttp.close(), ...(subscription ? [() => subscription.close()] : [])],
      fastPath,
    };
  },
};

export async function startService(config: Readonly<Config>, name: string): Promise<void> {
  // Without it every internal call answers 401 while /health says ok: refuse instead.
  if (!config.internalToken) {
    throw new MissingConfigError(
      'INTERNAL_TOKEN',
      `Every service of a fleet must share one secret. Set INTERNAL_TOKEN to the same random string for each service ` +
        `(in .env or the environment; make one with: node -e "console.log(crypto.randomBytes(24).toString('hex'))"), ` +
        `or run the whole fleet with \`morphlink up\`, which generates it.`,
    );
  }
  if (name === 'gateway') return startGateway(config);
  if (!(name in services)) {
    throw new Error(`Unknown service "${name}": expected auth, links, redirector, analytics or gateway.`);
  }
  const service = name as keyof typeof services;
  const ctx = createContext(config, service);
  const clients = new Map<Peer, HttpClient>();
  const peer = (p: Peer) => {
    let client = clients.get(p);
    if (!client) clients.set(p, (client = createHttpClient(config.serviceUrls[p], { token: config.internalToken })));
    return client;
  };
  const built = await services[service](ctx, peer);
  const app = createServerFor(ctx, {
    ready: built.ready,
    degraded: built.degraded,
    docs: true,
    fastPath: built.fastPath,
  });
  // Each service limits the public routes it owns; request.ip is the client (the gateway forwards it).
  await registerRateLimits(app, rateLimitsOf(ctx));
  built.mount(app);
  await serve(app, ctx, config.servicePorts[service], [
    ...built.closers,
    async () => void (await Promise.all([...clients.values()].map((c) => c.close()))),
  ]);
}
