import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from 'typebox';
import { errorCodes, type ErrorCode } from '../errors.ts';
import type { App } from './app.ts';

/**
 * The one problem+json shape (RFC 9457) every 4xx/5xx answer has. Open to extra members
 * (`failing` on /ready), because Fastify serializes answers with their documented schema and a
 * closed schema would strip them. A function: `code` lists every registered code, the modules'
 * included, so it is built when a server starts, after the modules were imported.
 */
export const problemSchema = () => Type.Object(
  {
    type: Type.String({ description: 'A URI naming the kind of problem' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: 'What went wrong with this request, for a human' }),
    code: Type.Unsafe<ErrorCode>({ type: 'string', enum: errorCodes(), description: 'For programs: stable across releases' }),
    errors: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), message: Type.String() }, { additionalProperties: true }), {
        description: 'Validation errors, one per field',
      }),
    ),
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem details' },
);

/** A reference to problemSchema(), which every server registers with addSchema. */
export const ProblemRef = Type.Ref('Problem');

const problemText = {
  400: 'Invalid request: a parameter, the query or the body is malformed (`errors` names each field)',
  401: 'No credential, or an unknown or revoked API key or session',
  403: 'Authenticated, but not allowed; or a signed-in browser changed something without its `X-CSRF-Token`',
  404: 'No such resource (another user’s link is a 404 too)',
  409: 'Conflict with an existing resource',
  410: 'The link has expired or reached its click limit',
  413: 'The request body is larger than the limit',
  415: 'The body is not of a supported media type',
  429: 'Too many requests: rate limited; `Retry-After` says how many seconds to wait',
  503: 'A service behind this route is unavailable (microservices)',
} as const;
export type ProblemStatus = keyof typeof problemText;

const retryAfter = { 'Retry-After': { type: 'integer', description: 'Seconds to wait before retrying' } };

/** The documented problem+json answers of a route, e.g. `...problems(400, 401, 404)`. */
export function problems<S extends ProblemStatus>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: problemText[status],
        ...(status === 429 ? { headers: retryAfter } : {}),
        content: { 'application/problem+json': { schema: ProblemRef } },
      },
    ]),
  ) as unknown as Record<S, { description: string; content: object }>;
}

/** What every /api route can answer besides its own errors: bad credentials (or a cookie session's missing CSRF token), rate limits, a service down. */
export const API_PROBLEMS = [401, 403, 429, 503] as const;
/** What a route that reads a JSON body can answer. */
export const BODY_PROBLEMS = [400, 413, 415] as const;

/** A response with no body: 204, or a redirect. */
// Typed as undefined, so a handler answers with a bare send().
export const noContent = (description: string) => Type.Unsafe<undefined>(Type.Null({ description }));

/** Served, but deliberately not in the public description (peer-to-peer routes). */
const isInternal = (method: string | string[], url: string) =>
  url.startsWith('/internal/') || url === '/internal' || (url === '/events' && [method].flat().includes('POST'));

/** A parameter with a default is not required of the client, though the parsed value always has it. */
function optionalDefaults(schema: unknown): unknown {
  const s = schema as { properties?: Record<string, { default?: unknown }>; required?: string[] } | undefined;
  if (!s?.properties || !s.required) return schema;
  return { ...s, required: s.required.filter((name) => s.properties?.[name]?.default === undefined) };
}

/** OpenAPI generated from the route schemas, so the description cannot drift from the validation. */
export function registerDocs(app: App, version: string): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'MorphLink', description: 'Self-hosted URL shortener with click analytics. See docs/API.md.', version },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key: mlk_…' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
      tags: [
        { name: 'links', description: 'The caller’s short links' },
        { name: 'analytics', description: 'Clicks, counted apart from bots' },
        { name: 'webhooks', description: 'The clicks of the caller’s links, POSTed signed to their URLs' },
        { name: 'auth', description: 'Who am I, users and API keys' },
        { name: 'redirects', description: 'Public short URLs: no credentials' },
        { name: 'operations', description: 'Health, readiness, metrics and this description' },
      ],
    },
    // Shared schemas keep their $id as their name: #/components/schemas/Problem.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url, route }) => {
      if (isInternal(route.method, url)) return { schema: { ...schema, hide: true }, url };
      if (!schema?.querystring) return { schema, url };
      return { schema: { ...schema, querystring: optionalDefaults(schema.querystring) }, url };
    },
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
  app.register(async (scope) => {
    scope.get(
      '/openapi.json',
      {
        schema: {
          tags: ['operations'],
          operationId: 'getOpenApi',
          summary: 'This description (OpenAPI 3.1)',
          security: [],
          // 503: the gateway could not fetch a service's part of it.
          response: { 200: Type.Object({}, { additionalProperties: true, description: 'An OpenAPI 3.1 document' }), ...problems(503) },
        },
      },
      async () => app.swagger(),
    );
  });
}

const Health = Type.Unsafe<object>(
  Type.Object(
    {
      status: Type.String(),
      service: Type.String(),
      // Under `morphlink up`: the fleet's id, so the supervisor knows its own child from another server on the port.
      instance: Type.Optional(Type.String()),
      mode: Type.String(),
      version: Type.String(),
    },
    // The gateway adds `services`: each upstream's own health.
    { additionalProperties: true },
  ),
);
const operations = { tags: ['operations'], security: [] };

/** /health, /ready and /metrics, which every process serves. */
export const operationsSchemas = {
  health: {
    ...operations,
    operationId: 'getHealth',
    summary: 'Liveness: the process answers',
    response: {
      200: { ...Health, description: 'Alive. The gateway adds `services`, the health of each service behind it' },
      503: { ...Health, description: 'Gateway only: a service behind it is down (`status: "degraded"`)' },
    },
  },
  ready: {
    ...operations,
    operationId: 'getReady',
    summary: 'Readiness: the database and the services it needs answer',
    response: {
      200: Type.Object(
        {
          status: Type.Literal('ready'),
          service: Type.String(),
          degraded: Type.Optional(
            Type.Record(Type.String(), Type.String(), { description: 'Dependencies lost without losing service (e.g. redis: invalidation falls back to HTTP)' }),
          ),
        },
        { description: 'Ready' },
      ),
      503: {
        description: 'Not ready; `failing` names each dependency that did not answer, with its error',
        content: { 'application/problem+json': { schema: Type.Ref('Problem') } },
      },
    },
  },
  metrics: {
    ...operations,
    operationId: 'getMetrics',
    summary: 'Prometheus metrics, text exposition format',
    response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: Type.String() } } } },
  },
};
