import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertProblem, assertStatus } from './expect.ts';
import { listAll, targetUrl, unique } from './fixtures.ts';
import { send, type Reply } from './http.ts';
import type { Suite } from './suite.ts';

const PASSWORD = 'a dashboard password';

/** A browser's view of the API: the session cookie it was given, and the CSRF token when it has read it. */
interface Browser {
  name: string;
  cookie: string;
  csrfToken: string;
  call(method: string, path: string, opts?: { json?: unknown; csrf?: string | null }): Promise<Reply>;
}

const cookieOf = (res: Reply): string => /^(morphlink_session=[^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? '';

/** Sign-in, sign-out and CSRF over real HTTP, through the gateway in microservices mode. */
export function sessionCases(s: Suite): void {
  const signIn = async (name: string, password = PASSWORD): Promise<Browser> => {
    const res = await send<{ csrfToken: string }>(s.target.baseUrl, 'POST', '/api/auth/login', { json: { name, password } });
    assertStatus(res, 200, `sign in as ${name}`);
    const cookie = cookieOf(res);
    return {
      name,
      cookie,
      csrfToken: res.body.csrfToken,
      call(method, path, { json, csrf } = {}) {
        const token = csrf === undefined ? res.body.csrfToken : csrf;
        return send(s.target.baseUrl, method, path, { json, headers: { cookie, ...(token === null ? {} : { 'x-csrf-token': token }) } });
      },
    };
  };
  // The first through the command line (--password-stdin), the rest through an admin's POST /api/users: one process start, not eight.
  let admin: string | undefined;
  const newUserWithPassword = async (prefix: string) => {
    const name = unique(prefix);
    if (!admin) {
      admin = await s.target.createUser(name, { password: PASSWORD, admin: true });
      return name;
    }
    const created = await send(s.target.baseUrl, 'POST', '/api/users', { json: { name, password: PASSWORD }, headers: { authorization: `Bearer ${admin}` } });
    assertStatus(created, 201, `create ${name}`);
    return name;
  };

  describe('dashboard sessions', () => {
    it('when / is opened, then a redirect to /dashboard/, the built app, whose hashed assets are cached for good', async () => {
      const home = await send(s.target.baseUrl, 'GET', '/');
      assert.deepEqual([home.status, home.headers.get('location')], [302, '/dashboard/']);
      const app = await send(s.target.baseUrl, 'GET', '/dashboard/links');
      assertStatus(app, 200, 'an app path answers the page');
      assert.match(app.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(app.headers.get('cache-control'), 'no-cache');
      const asset = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(app.text)?.[1];
      assert.ok(asset, 'index.html names its script');
      const script = await send(s.target.baseUrl, 'GET', asset);
      assertStatus(script, 200, asset);
      assert.equal(script.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.ok(!/https?:\/\/(?!127\.0\.0\.1)/.test(app.text), 'no asset from another origin (no CDN)');
    });

    it('when the sign-in options are asked for without credentials, then apikey mode offers no names to pick', async () => {
      const res = await send(s.target.baseUrl, 'GET', '/api/auth/options');
      assertStatus(res, 200);
      assert.deepEqual(res.body, { authMode: 'apikey', users: [] });
    });

    it('when a user signs in with a password, then an httpOnly SameSite=Lax cookie that works on every module’s routes', async () => {
      const name = await newUserWithPassword('sess');
      const res = await send<{ user: { name: string }; csrfToken: string }>(s.target.baseUrl, 'POST', '/api/auth/login', { json: { name, password: PASSWORD } });
      assertStatus(res, 200);
      assert.equal(res.body.user.name, name);
      const setCookie = res.headers.get('set-cookie') ?? '';
      for (const attribute of ['HttpOnly', 'SameSite=Lax', 'Path=/']) assert.ok(setCookie.includes(attribute), setCookie);
      assert.ok(!setCookie.includes('Secure'), 'BASE_URL is http: a Secure cookie would never come back');

      const browser = await signIn(name);
      const session = await browser.call('GET', '/api/auth/session');
      assertStatus(session, 200);
      assert.deepEqual(session.body, { user: res.body.user, csrfToken: browser.csrfToken });
      const created = await browser.call('POST', '/api/links', { json: { url: targetUrl() } });
      assertStatus(created, 201, 'links, with the CSRF token');
      const code = (created.body as { code: string }).code;
      assertStatus(await browser.call('GET', `/api/links/${code}/stats`), 200, 'analytics');
      assertStatus(await browser.call('GET', '/api/stats'), 200, 'analytics overview');
      assertStatus(await browser.call('GET', '/api/users/me'), 200, 'auth');
    });

    it('when a signed-in browser changes something without its CSRF token, or with another session’s, then 403 and nothing changes', async () => {
      const mallory = await signIn(await newUserWithPassword('mallory'));
      const victim = await signIn(await newUserWithPassword('victim'));
      const kept = await victim.call('POST', '/api/links', { json: { url: targetUrl(), title: 'kept' } });
      assertStatus(kept, 201);
      const code = (kept.body as { code: string }).code;
      for (const csrf of [null, '', 'forged', mallory.csrfToken]) {
        const label = `csrf ${csrf === null ? 'absent' : JSON.stringify(csrf.slice(0, 8))}`;
        assertProblem(await victim.call('POST', '/api/links', { json: { url: targetUrl() }, csrf }), 403, `${label} POST`);
        assertProblem(await victim.call('PATCH', `/api/links/${code}`, { json: { title: 'changed' }, csrf }), 403, `${label} PATCH`);
        assertProblem(await victim.call('DELETE', `/api/links/${code}`, { csrf }), 403, `${label} DELETE`);
      }
      const links = (await victim.call('GET', '/api/links')).body as { items: { code: string; title: string }[] };
      assert.deepEqual(links.items.map((l) => [l.code, l.title]), [[code, 'kept']]);
    });

    it('when a session signs out, then the cookie is cleared and the session no longer answers', async () => {
      const browser = await signIn(await newUserWithPassword('leaver'));
      assertProblem(await browser.call('POST', '/api/auth/logout', { csrf: null }), 403, 'sign-out without the token');
      const out = await browser.call('POST', '/api/auth/logout');
      assertStatus(out, 204);
      assert.match(out.headers.get('set-cookie') ?? '', /^morphlink_session=;/);
      assertProblem(await browser.call('GET', '/api/auth/session'), 401, 'after sign-out');
      assertProblem(await browser.call('GET', '/api/users/me'), 401, 'after sign-out');
    });

    it('when the password is wrong, the user unknown or the body hostile, then 401 or 400 problems and no cookie', async () => {
      const name = await newUserWithPassword('guess');
      for (const json of [{ name, password: 'not the password' }, { name: unique('ghost'), password: PASSWORD }, { name: "x' OR 1=1 --", password: "' OR '1'='1" }]) {
        const res = await send(s.target.baseUrl, 'POST', '/api/auth/login', { json });
        assertProblem(res, 401, JSON.stringify(json));
        assert.equal(res.headers.get('set-cookie'), null);
      }
      assertProblem(await send(s.target.baseUrl, 'POST', '/api/auth/login', { json: { name: 5 } }), 400, 'wrong types');
      assertProblem(await send(s.target.baseUrl, 'POST', '/api/auth/login', { raw: '{"name":', headers: { 'content-type': 'application/json' } }), 400, 'malformed JSON');
      assertProblem(await send(s.target.baseUrl, 'GET', '/api/links', { headers: { cookie: `morphlink_session=${'A'.repeat(43)}` } }), 401, 'made-up session');
    });

    it('when one user name fails five times, then the sixth try answers 429 with Retry-After, even with the right password', async () => {
      const name = await newUserWithPassword('locked');
      for (let i = 0; i < 5; i += 1) {
        assertProblem(await send(s.target.baseUrl, 'POST', '/api/auth/login', { json: { name, password: `wrong guess ${i}` } }), 401, `guess ${i}`);
      }
      const throttled = await send(s.target.baseUrl, 'POST', '/api/auth/login', { json: { name, password: PASSWORD } });
      assertProblem(throttled, 429, 'sixth try');
      assert.ok(Number(throttled.headers.get('retry-after')) > 0);
    });

    it('when an admin gives a new user a password that is too short, then 400 naming the field, and no user is made', async () => {
      await newUserWithPassword('first');
      const name = unique('short');
      const res = await send(s.target.baseUrl, 'POST', '/api/users', { json: { name, password: 'short' }, headers: { authorization: `Bearer ${admin}` } });
      const problem = assertProblem(res, 400, 'short password');
      assert.deepEqual(problem.errors?.map((e) => e.field), ['password']);
      assertProblem(await send(s.target.baseUrl, 'POST', '/api/auth/login', { json: { name, password: 'short' } }), 401, 'no such user');
      const again = await send(s.target.baseUrl, 'POST', '/api/users', { json: { name, password: PASSWORD }, headers: { authorization: `Bearer ${admin}` } });
      assertStatus(again, 201, 'the name was still free');
    });

    it('when an API key is pasted into the sign-in, then its user is signed in', async () => {
      const res = await send<{ user: { name: string } }>(s.target.baseUrl, 'POST', '/api/auth/login', { json: { apiKey: s.aliceKey } });
      assertStatus(res, 200);
      assert.equal(res.body.user.name, 'alice');
      const cookie = cookieOf(res);
      const mine = await listAll(s.alice);
      const seen = await send<{ items: unknown[] }>(s.target.baseUrl, 'GET', '/api/links?limit=100', { headers: { cookie } });
      assertStatus(seen, 200);
      assert.equal(seen.body.items.length, Math.min(mine.length, 100));
    });
  });
}
