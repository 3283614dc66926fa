import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyError, type FastifyReply } from 'fastify';
import type { App } from './app.ts';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Principal } from '../principal.ts';
import { AppError, isTransientDatabaseError, toProblem } from '../errors.ts';
import { validationError, validatorCompiler } from './validation.ts';
import { operationsSchemas, problemSchema, registerDocs } from './docs.ts';
import { discardBody, type DiscardBounds } from './refused-body.ts';
import { PROBLEM_JSON, answerClientError, answerFrameworkError, originForm } from './protocol-errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /**
     * The first step of a graceful stop: /ready answers 503 from now on, everything else as
     * before, so a load balancer stops sending new requests before the server stops taking them.
     */
    startDraining(): void;
  }
}

export type { App };

/**
 * Answers a request without the framework and returns true, or returns false and leaves it to
 * Fastify. One that answers later may still hand the request to Fastify with `fallback`, as long
 * as it has written nothing.
 */
export type FastPath = (
  request: IncomingMessage,
  response: ServerResponse,
  fallback: (request: IncomingMessage, response: ServerResponse) => void,
) => boolean;

/** A readiness check names a dependency and throws when it does not answer. */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

export interface HttpServerOptions {
  service: string;
  mode: string;
  version: string;
  logger: Logger;
  metrics: Metrics;
  bodyLimitBytes: number;
  trustProxy: string;
  ready: ReadinessChecks;
  /**
   * Dependencies whose loss degrades this process without making it useless (Redis, when links
   * falls back to HTTP invalidation): /ready names them under `degraded` and still answers 200,
   * so a load balancer keeps sending traffic.
   */
  degraded?: ReadinessChecks;
  /** Serve /openapi.json and /docs from the route schemas registered on this server. */
  docs?: boolean;
  /**
   * Tried before the framework on every request; true means it answered (or will). The redirector's
   * hot path and the gateway's redirect relay use it. Requests after close() has begun always go
   * to Fastify, which answers 503.
   */
  fastPath?: FastPath;
  /** Replaces the default /health body, e.g. the gateway's summary of every service. */
  health?: () => Promise<{ healthy: boolean; body: object }>;
  /** How long /ready waits for each check before naming it as failing (READY_TIMEOUT_MS). */
  readyTimeoutMs?: number;
  /** The fleet instance id `morphlink up` gave this process; /health shows it with `service`. */
  instance?: string | null;
}

/** A check that hangs (a stalled database) fails after `ms` instead of holding /ready open. */
function withTimeout(work: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** Runs every check, each bounded by `timeoutMs`; returns the failing ones with their error. */
async function failingChecks(checks: ReadinessChecks, timeoutMs: number): Promise<Record<string, string>> {
  const failing: Record<string, string> = {};
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), timeoutMs);
      } catch (error) {
        failing[name] = error instanceof Error ? error.message : String(error);
      }
    }),
  );
  return failing;
}

/** Seconds a client should wait before retrying a 503: about one SQLite retry round, or a reconnect. */
const RETRY_AFTER_S = 2;
const DEFAULT_READY_TIMEOUT_MS = 2_000;
/** How much of a body over the limit is read and thrown away so that its sender reads the 413. */
const REFUSED_BODY: DiscardBounds = { maxBytes: 64 * 1024 * 1024, maxMs: 10_000 };

export function sendProblem(reply: FastifyReply, error: AppError): FastifyReply {
  if (error.status === 503) reply.header('retry-after', String(RETRY_AFTER_S));
  return reply.code(error.status).type(PROBLEM_JSON).send(toProblem(error));
}

/** Fastify's own errors (body parsing, limits) mapped onto our codes; anything else is a 500. */
function toAppError(error: FastifyError): AppError {
  if (error instanceof AppError) return error;
  // A lock held elsewhere, a timeout, a dropped connection: nothing was stored, try again later.
  if (isTransientDatabaseError(error)) return new AppError('UNAVAILABLE', 'The database is busy or unreachable; try again shortly.');
  if (error.validation) return validationError(error.validation, error.validationContext);
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 'The request body is larger than the limit.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('VALIDATION', 'The JSON body is empty.');
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new AppError('VALIDATION', 'The body is not valid JSON.');
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError('VALIDATION', error.message);
  }
  return new AppError('INTERNAL', 'Something went wrong on our side.');
}

export function createHttpServer(options: HttpServerOptions): App {
  const { fastPath } = options;
  let closing = false;
  const app = Fastify({
    ...(fastPath && {
      // Node's own timeouts (keep-alive 5 s). The EPIPE once blamed on Fastify's 72 s came from a
      // refused body left unread (see refused-body.ts), whatever the timeouts.
      serverFactory: (handler: (request: IncomingMessage, response: ServerResponse) => void) =>
        createServer((request, response) => {
          if (closing || !fastPath(request, response, handler)) handler(request, response);
        }),
    }),
    loggerInstance: options.logger,
    // No log line per request: at thousands of redirects a second, logging would be the bottleneck.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    trustProxy: options.trustProxy,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    rewriteUrl: (request) => originForm(request.url ?? '/'),
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.setValidatorCompiler(validatorCompiler);
  // Route schemas refer to it for their error answers, with or without docs.
  app.addSchema(problemSchema());
  app.decorateRequest('principal', null);
  const drain = { draining: false };
  app.decorate('startDraining', () => {
    drain.draining = true;
  });
  // Cookies are parsed on demand (the dashboard's session, by the auth guard), not on every request.
  void app.register(fastifyCookie, { hook: false });
  // JSON only: a text/plain body is a 415, not a string that then fails validation.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = toAppError(error);
    // An outage makes many 503s at once: one line each, without the stack.
    if (appError.status === 503) request.log.warn({ reason: error.message }, 'request failed: unavailable');
    else if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    if (appError.status !== 413) return sendProblem(reply, appError);
    void discardBody(request.raw, REFUSED_BODY).then((whole) => {
      // Fastify asks to close after any body it refused; read to its end, the connection is reusable.
      if (whole) reply.removeHeader('connection');
      else reply.header('connection', 'close');
      sendProblem(reply, appError);
    });
    return reply;
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, new AppError('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`)),
  );

  app.addHook('onResponse', (request, reply, done) => {
    options.metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode },
      reply.elapsedTime / 1000,
    );
    done();
  });

  if (options.docs) registerDocs(app, options.version);
  // In a plugin, so the routes are added after @fastify/swagger has started listening for them.
  app.register(async (scope: App) => registerOperations(scope, options, drain));
  return app;
}

function registerOperations(app: App, options: HttpServerOptions, drain: { draining: boolean }): void {
  // Identity, not just a 200: a supervisor must not take another server on the port for its child.
  const identity = { service: options.service, ...(options.instance ? { instance: options.instance } : {}) };
  app.get('/health', { schema: operationsSchemas.health }, async (_request, reply) => {
    if (!options.health) {
      return { status: 'ok', ...identity, mode: options.mode, version: options.version };
    }
    const { healthy, body } = await options.health();
    return reply.code(healthy ? 200 : 503).send({ ...body, ...identity });
  });
  app.get('/ready', { schema: operationsSchemas.ready }, async (_request, reply) => {
    const timeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    // Stopping: not ready whatever the dependencies say, so no new traffic is routed here.
    const [failing, degraded] = drain.draining
      ? [{ process: 'shutting down' }, {}]
      : await Promise.all([failingChecks(options.ready, timeoutMs), failingChecks(options.degraded ?? {}, timeoutMs)]);
    const names = Object.keys(failing);
    if (names.length === 0) {
      const body = { status: 'ready', service: options.service };
      return Object.keys(degraded).length === 0 ? body : { ...body, degraded };
    }
    return reply
      .code(503)
      .header('retry-after', String(RETRY_AFTER_S))
      .type(PROBLEM_JSON)
      .send({ ...toProblem(new AppError('UNAVAILABLE', `Not ready: ${names.join(', ')}`)), failing });
  });
  app.get('/metrics', { schema: operationsSchemas.metrics }, async (_request, reply) =>
    reply.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics()),
  );
}
