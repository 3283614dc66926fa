import replyFrom from '@fastify/reply-from';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { HTTPMethods } from 'fastify';
import { Type } from 'typebox';
import { BalancedPool, request as httpRequest, type Dispatcher } from 'undici';
import type { Config } from '../common/config.ts';
import { AppError } from '../common/errors.ts';
import { createInternalGuard } from '../common/http/internal.ts';
import { sendProblem, type App } from '../common/http/server.ts';
import { version } from '../common/version.ts';
import { compileTrust, createRedirectCounter, fromTrustedPeer } from '../modules/redirector/index.ts';
import { createContext, createServerFor } from './context.ts';
import { forwardedHeaders, withoutHopHeaders } from './gateway.headers.ts';
import { serve } from './lifecycle.ts';
import { mergeSpecs, type OpenApi } from './openapi.merge.ts';

const ANY: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
type Route = [methods: HTTPMethods[], url: string];

/** Which service answers which public URL. /internal/* and POST /events are never routed. */
const routeTable = (config: Readonly<Config>) => ({
  auth: { base: config.serviceUrls.auth, routes: [[ANY, '/api/auth/*'], [ANY, '/api/users'], [ANY, '/api/users/*']] as Route[] },
  links: { base: config.serviceUrls.links, routes: [[ANY, '/api/links'], [ANY, '/api/links/*']] as Route[] },
  analytics: {
    base: config.serviceUrls.analytics,
    routes: [[['GET'], '/api/links/:code/stats'], [['GET'], '/api/stats'], [['GET'], '/stats']] as Route[],
  },
  redirector: { base: config.serviceUrls.redirector, routes: [[['GET', 'POST'], '/r/:code'], [['GET', 'POST'], '/:code']] as Route[] },
});

interface ProxyOptions {
  trust: ReturnType<typeof compileTrust>;
  bodyLimit: number;
  dispatcher?: Dispatcher;
  onResponse?: (status: number) => void;
}

/**
 * One upstream in its own scope. Bodies are read as bytes, unparsed, so an oversized body is a
 * 413 here rather than a connection the service cuts mid-upload; a dead upstream is a 503 problem.
 */
function proxy(app: App, base: string, routes: Route[], { trust, bodyLimit, dispatcher, onResponse }: ProxyOptions): void {
  app.register(async (scope: App) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
    if (onResponse) {
      scope.addHook('onResponse', (_request, reply, done) => {
        onResponse(reply.statusCode);
        done();
      });
    }
    await scope.register(replyFrom, {
      base,
      ...(dispatcher ? { undici: dispatcher } : {}),
    });
    for (const [method, url] of routes) {
      scope.route({
        method,
        url,
        schema: { hide: true },
        handler: (request, reply) => {
          const q = request.url.indexOf('?');
          const [path, query] = q === -1 ? [request.url, ''] : [request.url.slice(0, q), request.url.slice(q + 1)];
          const trusted = fromTrustedPeer(request.raw, trust);
          try {
            return reply.from(path, {
              // The query as the client's raw bytes: reply-from would percent-decode it and 500 on a stray %.
              queryString: () => query,
              // The client's bytes and content type, forwarded as they are (never re-encoded).
              ...(Buffer.isBuffer(request.body)
                ? { body: request.body, contentType: request.headers['content-type'] ?? 'application/octet-stream' }
                : {}),
              rewriteRequestHeaders: (_request, headers) => forwardedHeaders(headers, request.ip, trusted),
              // Hop-by-hop: this connection's fate is the client's and ours, not the upstream's.
              rewriteHeaders: (headers) => withoutHopHeaders(headers),
              onError: (r) => sendProblem(r as never, new AppError('UNAVAILABLE', `The service behind ${url} did not answer.`)),
            });
          } catch {
            return sendProblem(reply, new AppError('VALIDATION', 'The path is not one this gateway can forward.'));
          }
        },
      });
    }
  });
}

async function fetchJson(url: string, timeoutMs = 1_000): Promise<{ status: number; body: unknown }> {
  const response = await httpRequest(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  return { status: response.statusCode, body: await response.body.json() };
}

/** The public API of the fleet on one port, the same URLs as the monolith. */
export async function startGateway(config: Readonly<Config>): Promise<void> {
  const ctx = createContext(config, 'gateway');
  const table = routeTable(config);
  let redirectorUrls = config.redirectorUrls.length > 0 ? [...config.redirectorUrls] : [config.serviceUrls.redirector];
  const redirectors = new BalancedPool(redirectorUrls);
  const upstreams = (): Record<string, string> => ({
    auth: table.auth.base,
    links: table.links.base,
    analytics: table.analytics.base,
    ...Object.fromEntries(redirectorUrls.map((url, i) => [`redirector-${i}`, url])),
  });
  const answers200 = async (url: string) => {
    const { status } = await fetchJson(url);
    if (status !== 200) throw new Error(`${url} answered ${status}`);
  };

  async function summary() {
    const services: Record<string, string> = {};
    await Promise.all(
      Object.entries(upstreams()).map(async ([name, url]) => {
        services[name] = await fetchJson(`${url}/health`).then((r) => (r.status === 200 ? 'ok' : `status ${r.status}`), () => 'down');
      }),
    );
    const healthy = Object.values(services).every((s) => s === 'ok');
    return { healthy, body: { status: healthy ? 'ok' : 'degraded', service: 'gateway', mode: config.mode, version, services } };
  }

  const app = createServerFor(ctx, {
    ready: {
      auth: () => answers200(`${table.auth.base}/ready`),
      links: () => answers200(`${table.links.base}/ready`),
      analytics: () => answers200(`${table.analytics.base}/ready`),
      // Read at each check, so replicas added later are checked too.
      redirectors: () => Promise.all(redirectorUrls.map((url) => answers200(`${url}/ready`))),
    },
    health: summary,
  });

  // The API description is the union of the services' own, fetched when first asked for.
  let spec: OpenApi | null = null;
  async function mergedSpec() {
    if (spec) return spec;
    const bases = [table.auth.base, table.links.base, table.analytics.base, redirectorUrls[0] ?? table.redirector.base];
    const parts = await Promise.all(bases.map((u) => fetchJson(`${u}/openapi.json`)));
    const failed = parts.findIndex((p) => p.status !== 200);
    if (failed !== -1) throw new AppError('UNAVAILABLE', `${bases[failed]}/openapi.json answered ${parts[failed]!.status}.`);
    spec = mergeSpecs(parts.map((p) => p.body as OpenApi));
    return spec;
  }
  app.register(swagger, { openapi: { info: { title: 'MorphLink', version } } });
  app.register(swaggerUi, { routePrefix: '/docs', transformSpecification: (s) => spec ?? s });
  app.get('/openapi.json', { schema: { hide: true } }, () => mergedSpec());
  app.addHook('onReady', () => void mergedSpec().catch(() => undefined));

  const bodyLimit = config.bodyLimitBytes;
  const trust = compileTrust(config.trustProxy);
  proxy(app, table.auth.base, table.auth.routes, { trust, bodyLimit });
  proxy(app, table.links.base, table.links.routes, { trust, bodyLimit });
  proxy(app, table.analytics.base, table.analytics.routes, { trust, bodyLimit });
  proxy(app, table.redirector.base, table.redirector.routes, {
    trust,
    bodyLimit,
    dispatcher: redirectors,
    onResponse: createRedirectCounter(ctx.metrics.registry),
  });

  const notRouted = async () => {
    throw new AppError('NOT_FOUND', 'Not found.');
  };
  app.all('/internal/*', { schema: { hide: true } }, notRouted);
  app.post('/events', { schema: { hide: true } }, notRouted);
  // The supervisor tells the gateway when redirector replicas change. Served only on this process's own routes.
  app.register(async (scope: App) => {
    scope.addHook('onRequest', createInternalGuard(config.internalToken));
    scope.put('/_gateway/redirectors', { schema: { hide: true, body: Type.Object({ urls: Type.Array(Type.String(), { minItems: 1 }) }) } }, async (request) => {
      const next = request.body.urls;
      for (const url of next) if (!redirectorUrls.includes(url)) redirectors.addUpstream(url);
      for (const url of redirectorUrls) if (!next.includes(url)) redirectors.removeUpstream(url);
      redirectorUrls = [...next];
      return { redirectors: redirectorUrls };
    });
  });

  await serve(app, ctx, config.port, [() => redirectors.close()]);
}
