import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { BalancedPool } from 'undici';
import type { Config } from '../../common/config.ts';
import { AppError } from '../../common/errors.ts';
import { createInternalGuard } from '../../common/http/internal.ts';
import { createReplicaSet, replicaRoutes } from '../../common/http/replicas.ts';
import type { App } from '../../common/http/server.ts';
import type { ModuleDescriptor } from '../../common/module.ts';
import { version } from '../../common/version.ts';
import { compileTrust, createFastPathMetrics, createRedirectCounter } from '../../modules/redirector/index.ts';
import { createContext, createServerFor } from '../context.ts';
import { registerDashboard } from '../dashboard.ts';
import { serve } from '../lifecycle.ts';
import { urlOf } from '../registry.ts';
import { collectStaticGetPaths, createRedirectProxy } from './gateway.fastpath.ts';
import { fetchJson, healthSummary, upstreamReadiness } from './gateway.health.ts';
import { proxy, proxyAutopilot } from './gateway.proxy.ts';
import { mergeSpecs, type OpenApi } from './openapi.merge.ts';

/**
 * The public API of the fleet on one port, the same URLs as the monolith: each module's
 * `publicRoutes` proxied to its process (a replicated module's replicas balanced round-robin).
 * /internal/* and POST /events are never routed.
 */
export async function startGateway(config: Readonly<Config>, modules: readonly ModuleDescriptor[]): Promise<void> {
  const ctx = createContext(config, 'gateway');
  const replicated = modules.find((m) => m.replicated);
  const initialReplicas = config.redirectorUrls.length > 0 ? [...config.redirectorUrls] : replicated ? [urlOf(config, replicated)] : [];
  const pool = new BalancedPool(initialReplicas);
  const replicas = createReplicaSet<string>(initialReplicas, {
    add: (url) => (pool.addUpstream(url), url),
    remove: (url) => void pool.removeUpstream(url),
  });
  const urlsOf = (m: ModuleDescriptor) => (m === replicated ? replicas.urls() : [urlOf(config, m)]);
  const upstreams = () =>
    Object.fromEntries(modules.flatMap((m) => urlsOf(m).map((url, i) => [m === replicated ? `${m.name}-${i}` : m.name, url] as const)));

  const trust = compileTrust(config.trustProxy);
  const countRedirect = createRedirectCounter(ctx.metrics.registry);
  const ownPaths = new Set<string>();
  const app = createServerFor(ctx, {
    ready: upstreamReadiness(Object.fromEntries(modules.map((m) => [m === replicated ? `${m.name}s` : m.name, () => urlsOf(m)]))),
    health: healthSummary(upstreams, config.mode),
    // The click path skips the framework; everything else (and any failure) goes through reply-from below.
    ...(replicated && {
      fastPath: createRedirectProxy({
        dispatcher: pool,
        base: urlOf(config, replicated),
        trust,
        isOwnPath: (path) => ownPaths.has(path),
        onAnswer: createFastPathMetrics(countRedirect, ctx.metrics.httpDuration),
      }),
    }),
  });
  app.addHook('onRoute', collectStaticGetPaths(ownPaths));
  registerDocs(app, () => modules.map((m) => urlsOf(m)[0] ?? urlOf(config, m)));

  for (const module of modules) {
    proxy(app, urlOf(config, module), module.publicRoutes, {
      trust,
      bodyLimit: config.bodyLimitBytes,
      ...(module === replicated ? { dispatcher: pool, onResponse: countRedirect } : {}),
    });
  }

  const notRouted = async () => {
    throw new AppError('NOT_FOUND', 'Not found.');
  };
  registerDashboard(app);
  proxyAutopilot(app, config);
  app.all('/internal/*', { schema: { hide: true } }, notRouted);
  app.post('/events', { schema: { hide: true } }, notRouted);
  // The supervisor tells the gateway when replicas come and go; served on this process's own routes.
  app.register(async (scope: App) => {
    scope.addHook('onRequest', createInternalGuard(config.internalToken));
    replicaRoutes(scope, '/_gateway/redirectors', replicas, 1);
  });

  await serve(app, ctx, config.port, [() => pool.close()]);
}

/** The API description is the union of the services' own, fetched when first asked for. */
function registerDocs(app: App, bases: () => string[]): void {
  let spec: OpenApi | null = null;
  async function mergedSpec() {
    if (spec) return spec;
    const urls = bases();
    const parts = await Promise.all(urls.map((u) => fetchJson(`${u}/openapi.json`)));
    const failed = parts.findIndex((p) => p.status !== 200);
    if (failed !== -1) throw new AppError('UNAVAILABLE', `${urls[failed]}/openapi.json answered ${parts[failed]!.status}.`);
    spec = mergeSpecs(parts.map((p) => p.body as OpenApi));
    return spec;
  }
  app.register(swagger, { openapi: { info: { title: 'MorphLink', version } } });
  app.register(swaggerUi, { routePrefix: '/docs', transformSpecification: (s) => spec ?? s });
  app.get('/openapi.json', { schema: { hide: true } }, () => mergedSpec());
  app.addHook('onReady', () => void mergedSpec().catch(() => undefined));
}
