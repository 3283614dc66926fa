import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertLink, assertProblem, assertRedirect, assertStatus } from './expect.ts';
import { assertSettledTotal, createLink, targetUrl } from './fixtures.ts';
import { send, visit } from './http.ts';
import type { Suite } from './suite.ts';

/**
 * The few cases that say a deployment works end to end: it is up and ready, a user makes a link,
 * a visitor is redirected, the click is counted, another user cannot see it, bad input is refused.
 * Part of the whole suite, and run alone against a fleet started from compose.yaml.
 */
export function smokeCases(s: Suite): void {
  describe('smoke', () => {
    it('when the target is asked, then /health and /ready answer 200 and /openapi.json describes the API', async () => {
      assertStatus(await send(s.target.baseUrl, 'GET', '/health'), 200);
      assertStatus(await send(s.target.baseUrl, 'GET', '/ready'), 200);
      const openapi = await send<{ openapi: string; paths: Record<string, unknown> }>(s.target.baseUrl, 'GET', '/openapi.json');
      assertStatus(openapi, 200);
      assert.ok('/api/links' in openapi.body.paths);
    });

    it('when a user shortens a URL and a visitor follows it, then the visitor is redirected and the click is counted', async () => {
      const url = targetUrl();
      const link = assertLink(await s.alice.post('/api/links', { url }), 201, s.target.baseUrl);
      assertRedirect(await visit(s.target, `/${link.code}`), url);
      await assertSettledTotal(s.alice, link.code, 1);
    });

    it('when another user asks for the link, then 404, and bad input is a 400 problem', async () => {
      const link = await createLink(s.alice);
      assertProblem(await s.bob.get(`/api/links/${link.code}`), 404);
      assertProblem(await s.alice.post('/api/links', { url: 'javascript:alert(1)' }), 400);
      assertProblem(await s.anon.get('/api/links'), 401);
    });
  });
}
