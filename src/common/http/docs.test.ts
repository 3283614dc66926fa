import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Type } from 'typebox';
import { AppError } from '../errors.ts';
import { createMetrics } from '../metrics.ts';
import { silentLogger } from '../../../test/support/test-support.ts';
import { API_PROBLEMS, noContent, problems } from './docs.ts';
import { createHttpServer, type App } from './server.ts';

// Fastify serializes an answer with the schema documented for its status: these prove the
// documented Problem schema keeps every member of the problems really sent.
describe('documented problem responses', () => {
  let app: App;

  before(async () => {
    app = createHttpServer({
      service: 'docs-test',
      mode: 'monolith',
      version: 'test',
      logger: silentLogger,
      metrics: createMetrics('docs-test'),
      bodyLimitBytes: 1024,
      trustProxy: 'loopback',
      ready: { database: async () => Promise.reject(new Error('connection refused')) },
      docs: true,
    });
    app.register(async (scope: App) => {
      const response = { 200: Type.Object({ ok: Type.Boolean() }), ...problems(400, 409, ...API_PROBLEMS) };
      scope.post('/things', { schema: { operationId: 'makeThing', summary: 'x', body: Type.Object({ n: Type.Integer() }), response } }, async () => {
        throw new AppError('VALIDATION', 'Bad fields.', [{ field: 'n', message: 'must be even' }]);
      });
      // Peer-to-peer routes, as a module mounts them (its public routes again under /internal).
      scope.get('/internal/things', { schema: { summary: 'x' } }, async () => ({}));
      scope.post('/events', { schema: { summary: 'x' } }, async () => ({}));
      scope.delete('/things/:id', { schema: { operationId: 'dropThing', summary: 'x', response: { 204: noContent('Gone'), ...problems(404) } } }, async (_r, reply) =>
        reply.code(204).send(),
      );
    });
    await app.ready();
  });

  after(() => app.close());

  it('when a route documents its 400, then the answer keeps errors[] and code', async () => {
    const res = await app.inject({ method: 'POST', url: '/things', payload: { n: 1 } });
    assert.equal(res.statusCode, 400);
    assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
    assert.deepEqual(res.json(), {
      type: 'https://morphlink.dev/problems/validation',
      title: 'Invalid request',
      status: 400,
      detail: 'Bad fields.',
      code: 'VALIDATION',
      errors: [{ field: 'n', message: 'must be even' }],
    });
  });

  it('when /ready fails, then the documented 503 keeps its extra `failing` member', async () => {
    const res = await app.inject({ method: 'GET', url: '/ready' });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json().failing, { database: 'connection refused' });
    assert.equal(res.json().code, 'UNAVAILABLE');
  });

  it('when a 204 is documented as null, then the answer has no body', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/things/1' });
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
  });

  it('when the document is built, then swagger-parser validates it, it uses one Problem schema and lists no internal route', async () => {
    const doc = app.swagger() as unknown as { paths: Record<string, Record<string, { responses: Record<string, { content?: object }> }>> };
    await SwaggerParser.validate(structuredClone(doc) as never);
    const responses = doc.paths['/things']!.post!.responses;
    assert.deepEqual(Object.keys(responses).sort(), ['200', '400', '401', '403', '409', '429', '503']);
    assert.deepEqual(responses['409']!.content, { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } });
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/health', '/metrics', '/openapi.json', '/ready', '/things', '/things/{id}']);
  });
});
