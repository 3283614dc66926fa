import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { principal, silentLogger } from '../../../test/support/test-support.ts';
import { AppError, registerErrors } from '../errors.ts';
import { createMetrics } from '../metrics.ts';
import { createHttpClient, type HttpClient } from './client.ts';
import { createInternalAuthenticate } from './internal.ts';
import { createHttpServer, type App } from './server.ts';

const TOKEN = 'client-test-token';

// As a module registers its own codes (links.errors.ts): they travel as problem+json and come back.
const _peerErrors = registerErrors({ PEER_CONFLICT: { status: 409, title: 'Peer conflict' } });
declare module '../errors.ts' {
  interface ModuleErrors {
    peer: typeof _peerErrors;
  }
}

/** For assert.rejects: an AppError with exactly this code, status and message. */
const appError = (code: string, status: number, message?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof AppError, `not an AppError: ${String(error)}`);
  assert.deepEqual([error.code, error.status], [code, status]);
  if (message) assert.match(error.message, message);
  return true;
};

describe('http client against a real server', () => {
  let app: App;
  let baseUrl: string;
  const clients: HttpClient[] = [];
  const clientWith = (token: string | null, url = baseUrl) => {
    const client = createHttpClient(url, { token, timeoutMs: 2_000 });
    clients.push(client);
    return client;
  };

  before(async () => {
    app = createHttpServer({
      service: 'peer',
      mode: 'microservices',
      version: 'test',
      logger: silentLogger,
      metrics: createMetrics('peer'),
      bodyLimitBytes: 1_048_576,
      trustProxy: 'loopback',
      ready: {},
    });
    app.post('/taken', async () => {
      throw new AppError('PEER_CONFLICT', 'The code abc is taken.');
    });
    app.post('/invalid', async () => {
      throw new AppError('VALIDATION', 'Bad fields.', [{ field: 'url', message: 'must be a URL' }]);
    });
    app.post('/echo', async (request) => ({
      authorization: request.headers.authorization ?? null,
      body: request.body ?? null,
      query: request.query,
    }));
    app.get('/stalls', async (_request, reply) => {
      // Headers and half a body, then nothing: a peer that hangs mid-answer.
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'application/json' });
      reply.raw.write('{"partial":');
      setTimeout(() => reply.raw.destroy(), 2_000).unref();
    });
    // As a module mounts its public routes again for peers: token plus the principal header.
    app.register(async (scope: App) => {
      scope.addHook('onRequest', createInternalAuthenticate(TOKEN));
      scope.get('/internal/whoami', async (request) => ({ principal: request.principal }));
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await app.close();
  });

  it('when a route throws an AppError, then the client throws one with the same module code, status and message', async () => {
    const client = clientWith(TOKEN);
    await assert.rejects(client.call('POST', '/taken'), appError('PEER_CONFLICT', 409, /^The code abc is taken\.$/));
    await assert.rejects(client.call('POST', '/invalid', { body: {} }), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.deepEqual([error.code, error.status, error.errors], ['VALIDATION', 400, [{ field: 'url', message: 'must be a URL' }]]);
      return true;
    });
  });

  it('when no route matches, then it is an AppError NOT_FOUND', async () => {
    await assert.rejects(clientWith(TOKEN).call('GET', '/nowhere'), appError('NOT_FOUND', 404));
  });

  it('when nothing listens on the port, then the connection refused is an AppError UNAVAILABLE', async () => {
    const closed = createHttpServer({
      service: 'gone',
      mode: 'microservices',
      version: 'test',
      logger: silentLogger,
      metrics: createMetrics('gone'),
      bodyLimitBytes: 1024,
      trustProxy: 'loopback',
      ready: {},
    });
    await closed.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(closed.server.address() as { port: number }).port}`;
    // A port that was just ours and is now closed: refused, not a timeout.
    await closed.close();
    await assert.rejects(clientWith(TOKEN, url).call('GET', '/health'), appError('UNAVAILABLE', 503, /did not answer/));
  });

  it(
    'when a peer stalls mid-body, then the timeout is an AppError UNAVAILABLE',
    async () => {
      const client = createHttpClient(baseUrl, { token: TOKEN, timeoutMs: 300 });
      clients.push(client);
      await assert.rejects(client.call('GET', '/stalls'), appError('UNAVAILABLE', 503));
    },
  );

  it('when a token is given, then it is sent as a Bearer token, and without one no authorization is sent', async () => {
    const echoed = await clientWith(TOKEN).call<{ authorization: string | null }>('POST', '/echo');
    assert.equal(echoed.authorization, `Bearer ${TOKEN}`);
    const anonymous = await clientWith(null).call<{ authorization: string | null }>('POST', '/echo');
    assert.equal(anonymous.authorization, null);
  });

  it('when a body and query are given, then the body arrives as JSON and undefined query values are left out', async () => {
    const echoed = await clientWith(TOKEN).call('POST', '/echo', { body: { a: [1, 'x'] }, query: { q: 'a b&c', n: 3, skip: undefined } });
    assert.deepEqual(echoed, { authorization: `Bearer ${TOKEN}`, body: { a: [1, 'x'] }, query: { q: 'a b&c', n: '3' } });
  });

  it('when a principal is given, then createInternalAuthenticate reads back the same principal', async () => {
    const carol = principal('carol', true);
    const answer = await clientWith(TOKEN).call<{ principal: unknown }>('GET', '/internal/whoami', { principal: carol });
    assert.deepEqual(answer.principal, carol);
  });

  it('when the token is wrong or the principal is missing, then the internal route answers UNAUTHORIZED', async () => {
    await assert.rejects(clientWith('wrong-token').call('GET', '/internal/whoami', { principal: principal('dave') }), appError('UNAUTHORIZED', 401));
    await assert.rejects(clientWith(TOKEN).call('GET', '/internal/whoami'), appError('UNAUTHORIZED', 401, /must name its principal/));
  });
});
