import type { Config } from '../common/config.ts';
import { createInternalGuard } from '../common/http/internal.ts';
import { analyticsRoutes, eventsRoutes } from '../modules/analytics/index.ts';
import { authRoutes, createAuthenticate } from '../modules/auth/index.ts';
import { linksRoutes } from '../modules/links/index.ts';
import { redirectorRoutes, withLinkCache, type LinkCache } from '../modules/redirector/index.ts';
import { registerRateLimits } from '../common/http/rate-limit.ts';
import { createContext, createServerFor, rateLimitsOf } from './context.ts';
import { serve } from './lifecycle.ts';
import { buildAnalytics, buildAuth, buildClickWriter, buildLinks, buildRedirector } from './modules.ts';

/** Every module in one process: peers are plain function calls, the cache is invalidated directly. */
export async function buildMonolith(config: Readonly<Config>) {
  const ctx = createContext(config, 'monolith');
  const { auth } = await buildAuth(ctx);
  const { queries, ingestion } = await buildAnalytics(ctx);
  const writer = await buildClickWriter(ctx, ingestion);
  const { links, database } = await buildLinks(ctx, {
    clicks: queries,
    // The cache is built below, around this very service; by the first change it exists.
    changes: { linkChanged: async (code) => cache.invalidate(code) },
  });
  const cache: LinkCache = withLinkCache(links, { max: config.cacheMax, ttlMs: config.cacheTtlMs, registry: ctx.metrics.registry });
  const { redirector, countRedirect, fastPath } = buildRedirector(ctx, { links: cache, clicks: writer, counts: queries });

  const app = createServerFor(ctx, {
    ready: { database: () => database.ping() },
    docs: true,
    fastPath,
  });
  await registerRateLimits(app, rateLimitsOf(ctx));
  const authenticate = createAuthenticate(auth, config.authMode);
  app.register(authRoutes, { auth, authenticate, authMode: config.authMode });
  app.register(linksRoutes, { links, authenticate });
  app.register(analyticsRoutes, { queries, links, authenticate });
  app.register(eventsRoutes, { ingestion, guard: createInternalGuard(config.internalToken) });
  app.register(redirectorRoutes, { redirector, countRedirect, trustProxy: config.trustProxy });

  return { app, ctx, writer };
}

export async function startMonolith(config: Readonly<Config>): Promise<void> {
  const { app, ctx, writer } = await buildMonolith(config);
  await serve(app, ctx, config.port, [() => writer.close()]);
}
