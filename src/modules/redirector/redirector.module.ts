import { join } from 'node:path';
import type { Counter } from 'prom-client';
import { METRICS } from '../../common/metrics.catalogue.ts';
import { createHttpClient, type HttpClient } from '../../common/http/client.ts';
import { createInternalGuard } from '../../common/http/internal.ts';
import { createReplicaSet, replicaRoutes } from '../../common/http/replicas.ts';
import type { App } from '../../common/http/app.ts';
import type { ConfigSlice } from '../../common/config.ts';
import type { ModuleDescriptor, RemoteContext } from '../../common/module.ts';
import type { LinkChangeListener } from '../links/index.ts';
import { warmCache, withLinkCache } from './redirector.cache.ts';
import { createCacheInvalidationClient } from './redirector.client.ts';
import { createFastPath } from './redirector.fastpath.ts';
import { createGeoIp } from './redirector.geoip.ts';
import { createClickJournal } from './redirector.journal.ts';
import { redirectorInternalRoutes } from './redirector.internal.ts';
import { createFastPathMetrics, createRedirectCounter } from './redirector.metrics.ts';
import type { ClickCounts, ClickSink, HotCodes, LinkLookups } from './redirector.port.ts';
import { createClickQuota } from './redirector.quota.ts';
import { createRedisPublisher, subscribeToLinkChanges } from './redirector.redis.ts';
import { redirectorRoutes } from './redirector.routes.ts';
import { createRedirector } from './redirector.service.ts';
import { createVisitorHasher } from './redirector.visitor.ts';

export interface RedirectorPeer {
  /** Told of every link change, so no redirector serves a stale link from its cache. */
  changes: LinkChangeListener;
  /** Where short URLs are answered besides BASE_URL: the replicas' own URLs (none in one process). */
  origins(): readonly string[];
}

export interface RedirectorNeeds {
  links: { links: LinkLookups };
  analytics: { queries: ClickCounts & HotCodes; readonly sink: ClickSink };
}

export const redirectorModule: ModuleDescriptor<RedirectorPeer, RedirectorNeeds, Readonly<ConfigSlice<'redirector'>>> = {
  name: 'redirector',
  defaultPort: 8002,
  migrations: null,
  // Last in the table: `/:code` matches any one-segment path the others have not claimed.
  publicRoutes: [
    { methods: ['GET', 'POST'], url: '/r/:code' },
    { methods: ['GET', 'POST'], url: '/:code' },
  ],
  // First after the gateway: it flushes its clicks while analytics still listens.
  stopOrder: 10,
  replicated: true,
  needs: ['links', 'analytics'],

  async build(ctx, { links, analytics }) {
    const { config, metrics, logger } = ctx;
    const cache = withLinkCache(links.links, { max: config.cacheMax, ttlMs: config.cacheTtlMs, registry: metrics.registry });
    const subscription = config.redisUrl ? subscribeToLinkChanges(config.redisUrl, cache, logger) : null;
    // Opened before the first redirect, so no click waits for the file; a failure is logged, never thrown.
    const geoIp = createGeoIp({ path: config.geoipDb, logger });
    await geoIp.ready;
    const journal = createClickJournal({
      dir: config.journalDir ?? join(config.dataDir, 'journal', ctx.service === 'monolith' ? 'monolith' : `${ctx.service}-${config.servicePorts.redirector}`),
      fsyncMs: config.journalFsyncMs,
      rotateMs: Math.max(1_000, config.clickFlushMs * 5),
      visitorId: createVisitorHasher(ctx.visitorSecret),
      countryOf: geoIp.countryOf,
      sink: analytics.sink,
      logger,
      // The sender registers these counters (a sink that names no database never sets clicks aside).
      onSetAside: (clicks) => (metrics.registry.getSingleMetric(METRICS.eventsForeign.name) as Counter | undefined)?.inc(clicks),
      onDropped: (clicks) => (metrics.registry.getSingleMetric(METRICS.eventsDropped.name) as Counter | undefined)?.inc(clicks),
    });
    // What a killed process journaled but never stored goes to the sink before any new click.
    await journal.replay();
    const redirector = createRedirector({ links: cache, clicks: journal, quota: createClickQuota(analytics.queries), countryOf: geoIp.countryOf });
    const countRedirect = createRedirectCounter(metrics.registry);
    const fastPath = createFastPath(redirector, {
      trustProxy: config.trustProxy,
      onAnswer: createFastPathMetrics(countRedirect, metrics.httpDuration),
    });
    const warming =
      config.cacheWarmHours > 0 && config.cacheMax > 0
        ? warmCache(cache, analytics.queries, { hours: config.cacheWarmHours, limit: config.cacheMax, logger })
        : null;
    return {
      provides: { changes: { linkChanged: async (code) => cache.invalidate(code) }, origins: () => [] },
      routes: (app) => void app.register(redirectorRoutes, { redirector, countRedirect, trustProxy: config.trustProxy }),
      internalRoutes: (app, guard) => void app.register(redirectorInternalRoutes, { cache, guard }),
      fastPath,
      close: async () => {
        // Not waited for: a lookup still out ends in its own time (and its errors are its own).
        warming?.stop();
        await journal.close();
        await subscription?.close();
      },
    };
  },

  connect: (remote) => ({ changes: announceChanges(remote), origins: () => replicaUrls(remote) }),
};

const replicaUrls = ({ config }: RemoteContext) =>
  config.redirectorUrls.length > 0 ? [...config.redirectorUrls] : [config.serviceUrls.redirector];

/**
 * How the links process tells every redirector replica of a change: over Redis when REDIS_URL is
 * set (falling back to HTTP when Redis does not take it), else over HTTP to each replica.
 */
function announceChanges(remote: RemoteContext): LinkChangeListener {
  const { config, logger, metrics } = remote;
  const replicas = createReplicaSet<HttpClient>(replicaUrls(remote), {
    add: (url) => createHttpClient(url, { token: config.internalToken, timeoutMs: 1_000 }),
    remove: (_url, client) => void client.close(),
  });
  // The supervisor tells us when replicas come and go.
  remote.internalRoutes((app) => {
    app.register(async (scope: App) => {
      scope.addHook('onRequest', createInternalGuard(config.internalToken));
      replicaRoutes(scope, '/internal/redirectors', replicas);
    });
  });
  remote.onClose(async () => void (await Promise.all(replicas.members().map((c) => c.close()))));
  const overHttp = createCacheInvalidationClient(() => replicas.members(), logger);
  if (!config.redisUrl) return overHttp;
  const redis = createRedisPublisher({
    redisUrl: config.redisUrl,
    fallback: overHttp,
    expectedReceivers: () => replicas.size,
    registry: metrics.registry,
    logger,
  });
  // Without Redis, link changes still reach every redirector over HTTP: degraded, not down.
  remote.degraded({ redis: () => redis.ping() });
  remote.onClose(() => redis.close());
  return redis;
}
