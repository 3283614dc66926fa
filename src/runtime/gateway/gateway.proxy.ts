import replyFrom from '@fastify/reply-from';
import type { Dispatcher } from 'undici';
import type { Config } from '../../common/config.ts';
import { AppError } from '../../common/errors.ts';
import { sendProblem, type App } from '../../common/http/server.ts';
import type { PublicRoute } from '../../common/module.ts';
import { compileTrust, fromTrustedPeer } from '../../modules/redirector/index.ts';
import { forwardedHeaders, withoutHopHeaders } from './gateway.headers.ts';

export interface ProxyOptions {
  trust: ReturnType<typeof compileTrust>;
  bodyLimit: number;
  /** A pool balancing the replicas of a replicated module; else reply-from's own client to `base`. */
  dispatcher?: Dispatcher;
  onResponse?: (status: number) => void;
}

/**
 * One upstream in its own scope. Bodies are read as bytes, unparsed, so an oversized body is a
 * 413 here rather than a connection the service cuts mid-upload; a dead upstream is a 503 problem.
 */
export function proxy(app: App, base: string, routes: readonly PublicRoute[], { trust, bodyLimit, dispatcher, onResponse }: ProxyOptions): void {
  app.register(async (scope: App) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
    if (onResponse) {
      scope.addHook('onResponse', (_request, reply, done) => {
        onResponse(reply.statusCode);
        done();
      });
    }
    // No log line per proxied request ("fetching from remote server", "response received"); errors still warn.
    await scope.register(replyFrom, { base, disableRequestLogging: true, ...(dispatcher ? { undici: dispatcher } : {}) });
    for (const { methods, url } of routes) {
      scope.route({
        method: methods,
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

/**
 * GET /api/autopilot on the public port, passed to the autopilot's own process when AUTOPILOT_URL
 * says where it runs (`up --autopilot` sets it for the gateway): the dashboard asks there.
 */
export function proxyAutopilot(app: App, config: Readonly<Pick<Config, 'autopilotUrl' | 'trustProxy' | 'bodyLimitBytes'>>): void {
  if (!config.autopilotUrl) return;
  proxy(app, config.autopilotUrl, [{ methods: ['GET'], url: '/api/autopilot' }], {
    trust: compileTrust(config.trustProxy),
    bodyLimit: config.bodyLimitBytes,
  });
}
