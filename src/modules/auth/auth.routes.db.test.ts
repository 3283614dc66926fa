import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import type { App } from '../../common/http/server.ts';
import { assertProblem, routeApp } from '../../../test/support/routes.ts';
import { useDatabase } from '../../../test/support/test-support.ts';
import { authMigrations, authRoutes, createAuthenticate, createAuthRepository, createAuthService, type AuthService } from './index.ts';
import { createLoginThrottle } from './auth.sessions.ts';

const SESSION_TTL_MS = 3_600_000;

/** The auth routes as the module mounts them, with a throttle of `perUser`/`perIp` failures. */
function mount(app: App, auth: AuthService, { perUser = 100, perIp = 100, secureCookie = false } = {}) {
  app.register(authRoutes, {
    auth,
    authenticate: createAuthenticate(auth, 'apikey'),
    authMode: 'apikey',
    users: [],
    throttle: createLoginThrottle({ perUser, perIp }),
    secureCookie,
    sessionTtlMs: SESSION_TTL_MS,
  });
}

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
    mount(app, auth);
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

/** The dashboard's sign-in: a password (scrypt), a session cookie, its CSRF token, and the throttle. */
describe('auth sign-in routes (sqlite)', () => {
  const database = useDatabase('sqlite', { auth: authMigrations });
  let app: App;
  let auth: AuthService;
  let aliceKey = '';

  before(async () => {
    auth = createAuthService({ repository: createAuthRepository(database()), trustedUserNames: [], sessionTtlMs: SESSION_TTL_MS });
    aliceKey = (await auth.createUser('alice', { password: 'correct horse battery' })).apiKey;
    await auth.createUser('bob', { password: 'bobs password' });
    await auth.createUser('nopass');
    app = routeApp('auth');
    mount(app, auth, { perUser: 3, perIp: 5, secureCookie: true });
    await app.ready();
  });
  after(() => app.close());

  const login = (payload: object, ip = '127.0.0.1') => app.inject({ method: 'POST', url: '/api/auth/login', payload, remoteAddress: ip });
  const sessionCookie = (response: { cookies: { name: string; value: string }[] }) =>
    response.cookies.find((c) => c.name === 'morphlink_session')?.value ?? '';

  it('when alice signs in with her password, then a Secure httpOnly SameSite=Lax cookie and a CSRF token; the cookie authenticates', async () => {
    const signedIn = await login({ name: 'alice', password: 'correct horse battery' });
    assert.equal(signedIn.statusCode, 200, signedIn.body);
    assert.equal(signedIn.json().user.name, 'alice');
    const setCookie = String(signedIn.headers['set-cookie']);
    assert.match(setCookie, /^morphlink_session=[A-Za-z0-9_-]{43};/);
    for (const attribute of ['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/', `Max-Age=${SESSION_TTL_MS / 1000}`]) assert.ok(setCookie.includes(attribute), setCookie);
    const cookie = sessionCookie(signedIn);
    const me = await app.inject({ method: 'GET', url: '/api/users/me', cookies: { morphlink_session: cookie } });
    assert.deepEqual([me.statusCode, me.json().name], [200, 'alice']);
    const session = await app.inject({ method: 'GET', url: '/api/auth/session', cookies: { morphlink_session: cookie } });
    assert.deepEqual(session.json(), signedIn.json());
  });

  it('when a password, a user name or a password-less user is wrong, then the same 401 and no cookie', async () => {
    for (const attempt of [
      { name: 'alice', password: 'wrong password!' },
      { name: 'nobody', password: 'correct horse battery' },
      { name: 'nopass', password: 'anything at all' },
    ]) {
      const refused = await login(attempt, '10.0.0.9');
      assertProblem(refused, 401, 'UNAUTHORIZED');
      assert.equal(refused.json().detail, 'Wrong user name or password.');
      assert.equal(refused.headers['set-cookie'], undefined);
    }
  });

  it('when an API key is pasted, then it signs in as its user; an unknown key is a 401', async () => {
    const signedIn = await login({ apiKey: aliceKey });
    assert.deepEqual([signedIn.statusCode, signedIn.json().user.name], [200, 'alice']);
    assertProblem(await login({ apiKey: 'mlk_not_a_real_key' }, '10.0.0.8'), 401, 'UNAUTHORIZED');
  });

  it('when the body is not a sign-in (wrong types, nothing, SQL-looking), then a 400 or 401 problem and no session', async () => {
    assertProblem(await login({ name: 7, password: [] }), 400, 'VALIDATION');
    assertProblem(await login({}), 400, 'VALIDATION');
    assertProblem(await login({ name: "alice' OR '1'='1", password: "' OR '1'='1" }, '10.0.0.7'), 401, 'UNAUTHORIZED');
  });

  it('when a cookie session changes something without its CSRF token, then 403 and nothing changes; with it, the change is made', async () => {
    const cookie = sessionCookie(await login({ name: 'bob', password: 'bobs password' }));
    const cookies = { morphlink_session: cookie };
    const { csrfToken } = (await app.inject({ method: 'GET', url: '/api/auth/session', cookies })).json() as { csrfToken: string };
    const keysBefore = (await app.inject({ method: 'GET', url: '/api/auth/keys', cookies })).json() as unknown[];

    assertProblem(await app.inject({ method: 'POST', url: '/api/auth/keys', cookies }), 403, 'FORBIDDEN');
    assertProblem(await app.inject({ method: 'POST', url: '/api/auth/keys', cookies, headers: { 'x-csrf-token': 'forged' } }), 403, 'FORBIDDEN');
    const otherSession = sessionCookie(await login({ name: 'alice', password: 'correct horse battery' }));
    const othersToken = (await app.inject({ method: 'GET', url: '/api/auth/session', cookies: { morphlink_session: otherSession } })).json().csrfToken;
    assertProblem(await app.inject({ method: 'POST', url: '/api/auth/keys', cookies, headers: { 'x-csrf-token': othersToken } }), 403, 'FORBIDDEN');
    assert.equal(((await app.inject({ method: 'GET', url: '/api/auth/keys', cookies })).json() as unknown[]).length, keysBefore.length);

    const made = await app.inject({ method: 'POST', url: '/api/auth/keys', cookies, headers: { 'x-csrf-token': csrfToken } });
    assert.equal(made.statusCode, 201, made.body);
    assert.equal(((await app.inject({ method: 'GET', url: '/api/auth/keys', cookies })).json() as unknown[]).length, keysBefore.length + 1);
  });

  it('when a session signs out, then its cookie is cleared and no longer works (sign-out itself needs the CSRF token)', async () => {
    const cookies = { morphlink_session: sessionCookie(await login({ name: 'bob', password: 'bobs password' })) };
    const { csrfToken } = (await app.inject({ method: 'GET', url: '/api/auth/session', cookies })).json() as { csrfToken: string };
    assertProblem(await app.inject({ method: 'POST', url: '/api/auth/logout', cookies }), 403, 'FORBIDDEN');
    const out = await app.inject({ method: 'POST', url: '/api/auth/logout', cookies, headers: { 'x-csrf-token': csrfToken } });
    assert.equal(out.statusCode, 204);
    assert.match(String(out.headers['set-cookie']), /^morphlink_session=;.*Expires=Thu, 01 Jan 1970/);
    assertProblem(await app.inject({ method: 'GET', url: '/api/auth/session', cookies }), 401, 'UNAUTHORIZED');
    assertProblem(await app.inject({ method: 'GET', url: '/api/users/me', cookies }), 401, 'UNAUTHORIZED');
  });

  it('when a made-up or malformed cookie is sent, then a 401, never a 500', async () => {
    for (const value of ['x'.repeat(43), 'short', '%00%ff', 'a'.repeat(5000)]) {
      assertProblem(await app.inject({ method: 'GET', url: '/api/users/me', headers: { cookie: `morphlink_session=${value}` } }), 401, 'UNAUTHORIZED');
    }
  });

  it('when one user name fails 3 times, then it answers 429 with Retry-After, even with the right password, while others still sign in', async () => {
    for (let i = 0; i < 3; i += 1) assertProblem(await login({ name: 'bob', password: `guess number ${i}` }, `10.1.0.${i}`), 401, 'UNAUTHORIZED');
    const throttled = await login({ name: 'bob', password: 'bobs password' }, '10.1.0.99');
    assertProblem(throttled, 429, 'RATE_LIMITED');
    assert.ok(Number(throttled.headers['retry-after']) > 0);
    assert.equal((await login({ name: 'alice', password: 'correct horse battery' }, '10.1.0.99')).statusCode, 200);
  });

  it('when one address fails 5 times across user names, then it answers 429, while another address still signs in', async () => {
    for (let i = 0; i < 5; i += 1) assertProblem(await login({ name: `ghost${i}`, password: 'whatever it is' }, '10.2.0.1'), 401, 'UNAUTHORIZED');
    assertProblem(await login({ name: 'alice', password: 'correct horse battery' }, '10.2.0.1'), 429, 'RATE_LIMITED');
    assert.equal((await login({ name: 'alice', password: 'correct horse battery' }, '10.2.0.2')).statusCode, 200);
  });
});
