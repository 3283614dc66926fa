import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import type { App } from '../../common/http/server.ts';
import { assertProblem, routeApp } from '../../../test/support/routes.ts';
import { useDatabase } from '../../../test/support/test-support.ts';
import { authMigrations, authRoutes, createAuthenticate, createAuthRepository, createAuthService } from './index.ts';

// /api/users* and /api/auth/keys* on a real SQLite file (AUTH_MODE=apikey; header mode: runtime/header-mode.db.test.ts).
describe('auth routes (sqlite)', () => {
  const database = useDatabase('sqlite', { auth: authMigrations });
  const keys: Record<string, string> = {};
  let app: App;

  before(async () => {
    const auth = createAuthService({ repository: createAuthRepository(database()), trustedUserNames: [] });
    keys.root = (await auth.createUser('root', { admin: true })).apiKey;
    keys.alice = (await auth.createUser('alice')).apiKey;
    app = routeApp('auth');
    app.register(authRoutes, { auth, authenticate: createAuthenticate(auth, 'apikey'), authMode: 'apikey' });
    await app.ready();
  });
  after(() => app.close());

  const as = (key: string | undefined, method: InjectOptions['method'], url: string, payload?: object) =>
    app.inject({ method, url, payload, headers: key ? { authorization: `Bearer ${key}` } : {} });

  it('when a key asks who it is, then its principal; without a key, a 401 problem', async () => {
    const me = await as(keys.alice, 'GET', '/api/users/me');
    assert.deepEqual([me.statusCode, me.json().name, me.json().isAdmin], [200, 'alice', false]);
    assertProblem(await as(undefined, 'GET', '/api/users/me'), 401, 'UNAUTHORIZED');
  });

  it('when an admin creates a user, then 201 with a working key; a non-admin gets 403, a taken name 409', async () => {
    const created = await as(keys.root, 'POST', '/api/users', { name: 'carol' });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal((await as(created.json().apiKey, 'GET', '/api/users/me')).json().name, 'carol');
    assertProblem(await as(keys.alice, 'POST', '/api/users', { name: 'dave' }), 403, 'FORBIDDEN');
    assertProblem(await as(keys.root, 'POST', '/api/users', { name: 'carol' }), 409, 'USER_EXISTS');
    assertProblem(await as(keys.root, 'POST', '/api/users', { name: 7 }), 400, 'VALIDATION');
  });

  it('when a user makes, lists and revokes a key, then the revoked key stops working and is listed as revoked', async () => {
    const issued = await as(keys.alice, 'POST', '/api/auth/keys');
    assert.equal(issued.statusCode, 201);
    const { apiKey, prefix } = issued.json() as { apiKey: string; prefix: string };
    assert.equal((await as(apiKey, 'GET', '/api/users/me')).statusCode, 200);
    assert.equal((await as(keys.alice, 'DELETE', `/api/auth/keys/${prefix}`)).statusCode, 204);
    assertProblem(await as(apiKey, 'GET', '/api/users/me'), 401, 'UNAUTHORIZED');
    const listed = (await as(keys.alice, 'GET', '/api/auth/keys')).json() as { prefix: string; revokedAt: string | null }[];
    assert.equal(listed.length, 2);
    assert.notEqual(listed.find((k) => k.prefix === prefix)?.revokedAt, null);
  });

  it('when a user revokes a key that is not theirs, then it is a 404 and the key still works', async () => {
    const roots = (await as(keys.root, 'GET', '/api/auth/keys')).json() as { prefix: string }[];
    assertProblem(await as(keys.alice, 'DELETE', `/api/auth/keys/${roots[0]!.prefix}`), 404, 'KEY_NOT_FOUND');
    assert.equal((await as(keys.root, 'GET', '/api/users/me')).statusCode, 200);
  });
});
