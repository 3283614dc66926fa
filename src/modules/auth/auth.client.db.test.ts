import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHttpClient, type HttpClient } from '../../common/http/client.ts';
import { createInternalGuard } from '../../common/http/internal.ts';
import { createHttpServer, type App } from '../../common/http/server.ts';
import { createMetrics } from '../../common/metrics.ts';
import { silentLogger, useDatabase } from '../../../test/support/test-support.ts';
import { authInternalRoutes, authMigrations, createAuthClient, createAuthRepository, createAuthService, type AuthService } from './index.ts';

const TOKEN = 'auth-client-test-token';
const TTL_MS = 500;

describe('auth client over HTTP to a real auth service (sqlite)', () => {
  const database = useDatabase('sqlite', { auth: authMigrations });
  let auth: AuthService;
  let app: App;
  let http: HttpClient;
  /** POST /internal/auth/verify calls the server has seen since the last reset. */
  let verifyCalls = 0;

  before(async () => {
    auth = createAuthService({ repository: createAuthRepository(database()), trustedUserNames: [] });
    app = createHttpServer({
      service: 'auth',
      mode: 'microservices',
      version: 'test',
      logger: silentLogger,
      metrics: createMetrics('auth'),
      bodyLimitBytes: 1_048_576,
      trustProxy: 'loopback',
      ready: {},
    });
    app.addHook('onRequest', async (request) => {
      if (request.url === '/internal/auth/verify') verifyCalls++;
    });
    app.register(authInternalRoutes, { auth, guard: createInternalGuard(TOKEN) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    http = createHttpClient(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`, { token: TOKEN });
  });

  after(async () => {
    await http.close();
    await app.close();
  });

  beforeEach(() => (verifyCalls = 0));

  // A fresh client per test: each starts with an empty verdict cache.
  const client = () => createAuthClient(http, { ttlMs: TTL_MS });

  it('when a key is valid, then verify answers its principal, and an unknown key answers null', async () => {
    const issued = await auth.createUser('ac-alice', { admin: true });
    const port = client();
    assert.deepEqual(await port.verify({ apiKey: issued.apiKey }), { id: issued.user.id, name: 'ac-alice', isAdmin: true });
    assert.equal(await port.verify({ apiKey: `mlk_${'Z'.repeat(32)}` }), null);
    assert.equal(verifyCalls, 2);
  });

  it('when the same credential is verified again within the TTL, then no second call is made', async () => {
    const { apiKey } = await auth.createUser('ac-bob');
    const unknown = `mlk_${'Y'.repeat(32)}`;
    const port = client();
    assert.equal((await port.verify({ apiKey }))?.name, 'ac-bob');
    assert.equal((await port.verify({ apiKey }))?.name, 'ac-bob');
    assert.equal(verifyCalls, 1);
    // A refusal is a verdict too: cached, so a flood of bad keys costs one call each, not one per request.
    assert.equal(await port.verify({ apiKey: unknown }), null);
    assert.equal(await port.verify({ apiKey: unknown }), null);
    assert.equal(verifyCalls, 2);
  });

  it('when the TTL has passed, then it asks the auth service again, and so sees a revoked key', async () => {
    const issued = await auth.createUser('ac-carol');
    const port = client();
    assert.equal((await port.verify({ apiKey: issued.apiKey }))?.name, 'ac-carol');
    await auth.revokeKey(issued.prefix);
    // Within the TTL the cached verdict still stands: the documented staleness bound.
    assert.equal((await port.verify({ apiKey: issued.apiKey }))?.name, 'ac-carol');
    assert.equal(verifyCalls, 1);
    await sleep(TTL_MS + 50);
    assert.equal(await port.verify({ apiKey: issued.apiKey }), null);
    assert.equal(verifyCalls, 2);
  });
});
