import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertLink, assertProblem } from './expect.ts';
import { listAll, targetUrl } from './fixtures.ts';
import { api, send, type Client } from './http.ts';
import type { Suite } from './suite.ts';

/** Every /api route, each called with a body where it takes one. */
const ROUTES: [string, string, unknown?][] = [
  ['GET', '/api/links'],
  ['POST', '/api/links', { url: 'https://example.com/unauthorized' }],
  ['GET', '/api/links/somecode'],
  ['PATCH', '/api/links/somecode', { title: 'x' }],
  ['DELETE', '/api/links/somecode'],
  ['GET', '/api/links/somecode/qr?format=svg'],
  ['GET', '/api/links/somecode/stats'],
  ['GET', '/api/stats'],
  ['GET', '/stats?user=alice'],
];

async function assertAll401(client: Client, label: string): Promise<void> {
  for (const [method, path, json] of ROUTES) {
    assertProblem(await client.send(method, path, { json }), 401, `${label} ${method} ${path}:`);
  }
}

export function authCases(s: Suite): void {
  describe('authentication', () => {
    it('when no key is sent, then every /api route answers 401 problem+json and nothing is created', async () => {
      const before = (await listAll(s.alice)).length;
      await assertAll401(s.anon, 'no key');
      assert.equal((await listAll(s.alice)).length, before);
    });

    it('when a wrong key is sent, then every /api route answers 401', async () => {
      await assertAll401(api(s.target, 'mlk_not_a_real_key_0000000000000000'), 'wrong bearer');
      // A real key with one character changed must not pass either.
      const flipped = s.aliceKey.slice(0, -1) + (s.aliceKey.endsWith('a') ? 'b' : 'a');
      await assertAll401(api(s.target, flipped), 'altered key');
    });

    it('when the header is malformed, then 401', async () => {
      for (const authorization of ['Bearer', 'Bearer ', `Basic ${s.aliceKey}`, s.aliceKey, `Bearer ${s.aliceKey} extra`]) {
        const res = await send(s.target.baseUrl, 'GET', '/api/links', { headers: { authorization } });
        assertProblem(res, 401, `authorization: ${authorization.slice(0, 12)}…`);
      }
    });

    it('when the key comes in X-API-Key, then it works like the bearer token', async () => {
      const headers = { 'x-api-key': s.aliceKey };
      const created = await send(s.target.baseUrl, 'POST', '/api/links', { json: { url: targetUrl() }, headers });
      const link = assertLink(created, 201, s.target.baseUrl);
      const read = await send(s.target.baseUrl, 'GET', `/api/links/${link.code}`, { headers });
      assert.deepEqual(assertLink(read, 200, s.target.baseUrl), link);
      assertProblem(await send(s.target.baseUrl, 'GET', '/api/links', { headers: { 'x-api-key': 'mlk_wrong' } }), 401, 'wrong X-API-Key:');
    });

    // The demo's header mode is opt-in; the harness runs apikey, where these must be refused.
    it('when AUTH_MODE is apikey, then an X-User header alone grants nothing', async () => {
      assertProblem(await send(s.target.baseUrl, 'GET', '/api/links', { headers: { 'x-user': 'alice' } }), 401, 'X-User:');
      assertProblem(await send(s.target.baseUrl, 'GET', '/api/links?user=alice'), 401, '?user=:');
    });
  });
}
