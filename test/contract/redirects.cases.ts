import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertProblem, assertRedirect, assertStatus } from './expect.ts';
import { createLink, eventually, targetUrl, unique } from './fixtures.ts';
import { GOOGLEBOT_UA, visit, type Reply } from './http.ts';
import type { Suite } from './suite.ts';

const HTML = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';

/** Browsers get a small HTML page for 404/410, every other client problem+json. */
function assertHtmlError(res: Reply, status: number): void {
  assertStatus(res, status);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.ok(!res.text.includes('    at '), 'stack trace in the HTML page');
}

export function redirectsCases(s: Suite): void {
  describe('redirects', () => {
    it('when /r/:code and /:code are visited, then both answer 302 to the target', async () => {
      const link = await createLink(s.alice);
      assertRedirect(await visit(s.target, `/r/${link.code}`), link.url);
      assertRedirect(await visit(s.target, `/${link.code}`), link.url);
    });

    it('when HEAD is sent, then the same status and Location with no body', async () => {
      const link = await createLink(s.alice);
      for (const path of [`/r/${link.code}`, `/${link.code}`]) {
        const res = await visit(s.target, path, { method: 'HEAD' });
        assertRedirect(res, link.url);
        assert.equal(res.text, '');
      }
      assertStatus(await visit(s.target, `/r/${unique('nope-')}`, { method: 'HEAD' }), 404, 'unknown HEAD:');
    });

    it('when the code is unknown, then 404 problem+json for clients and HTML for browsers', async () => {
      const code = unique('nope-');
      assertProblem(await visit(s.target, `/r/${code}`), 404, '/r/ plain:');
      assertProblem(await visit(s.target, `/${code}`, { accept: 'application/json' }), 404, '/ json:');
      assertHtmlError(await visit(s.target, `/r/${code}`, { accept: HTML }), 404);
      assertHtmlError(await visit(s.target, `/${code}`, { accept: HTML }), 404);
    });

    it('when the short URL has a query, then it is appended to the target\'s', async () => {
      const withQuery = await createLink(s.alice, { url: 'https://example.com/p?a=1' });
      const without = await createLink(s.alice, { url: 'https://example.com/q' });
      assertRedirect(await visit(s.target, `/r/${withQuery.code}?utm=2`), 'https://example.com/p?a=1&utm=2');
      assertRedirect(await visit(s.target, `/${withQuery.code}?utm=2&b=3`), 'https://example.com/p?a=1&utm=2&b=3');
      assertRedirect(await visit(s.target, `/${without.code}?utm=2`), 'https://example.com/q?utm=2');
    });

    it('when a link has redirectType 301, 307 or 308, then that status is used', async () => {
      for (const redirectType of [301, 307, 308]) {
        const link = await createLink(s.alice, { redirectType });
        assertRedirect(await visit(s.target, `/r/${link.code}`), link.url, redirectType);
        assertRedirect(await visit(s.target, `/${link.code}`, { method: 'HEAD' }), link.url, redirectType);
      }
    });

    it('when a link expired, then 410 problem+json for clients and HTML for browsers', async () => {
      // A past expiresAt is refused (400), so the link expires a moment after it is made.
      const link = await createLink(s.alice, { expiresAt: new Date(Date.now() + 1_000).toISOString() });
      assertProblem(await eventually(() => visit(s.target, `/r/${link.code}`), (r) => r.status === 410, 5_000), 410, 'plain:');
      assertProblem(await visit(s.target, `/${link.code}`, { accept: 'application/json' }), 410, 'json:');
      assertHtmlError(await visit(s.target, `/r/${link.code}`, { accept: HTML }), 410);
      assertHtmlError(await visit(s.target, `/${link.code}`, { accept: HTML }), 410);
    });

    // The first visit warms the redirector cache; expiry must still be judged at visit time.
    it('when a redirected link reaches expiresAt, then it answers 410 although it was cached', async () => {
      const link = await createLink(s.alice, { expiresAt: new Date(Date.now() + 2_500).toISOString() });
      assertRedirect(await visit(s.target, `/r/${link.code}`), link.url);
      const after = await eventually(() => visit(s.target, `/r/${link.code}`), (r) => r.status !== 302, 6_000);
      assertProblem(after, 410);
    });

    it('when maxClicks is 3, then three human visits redirect and the fourth answers 410', async () => {
      const link = await createLink(s.alice, { maxClicks: 3 });
      const statuses: number[] = [];
      // Sequential and immediate: the limit cannot wait for the click batch to reach the database.
      for (let i = 0; i < 4; i++) statuses.push((await visit(s.target, `/r/${link.code}`)).status);
      assert.deepEqual(statuses, [302, 302, 302, 410]);
      assertProblem(await visit(s.target, `/${link.code}`), 410, 'still gone:');
    });

    it('when bots visit a link with maxClicks 2, then they do not use up its clicks', async () => {
      const link = await createLink(s.alice, { maxClicks: 2 });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await visit(s.target, `/r/${link.code}`, { userAgent: GOOGLEBOT_UA })).status);
      for (let i = 0; i < 3; i++) statuses.push((await visit(s.target, `/r/${link.code}`)).status);
      assert.deepEqual(statuses, [302, 302, 302, 302, 302, 410]);
    });

    // Each of these warms the cache first, so a stale cache entry would show.
    it('when the target is updated, then the next visit goes to the new URL', async () => {
      const link = await createLink(s.alice);
      assertRedirect(await visit(s.target, `/r/${link.code}`), link.url);
      const url = targetUrl();
      assertStatus(await s.alice.patch(`/api/links/${link.code}`, { url }), 200, 'patch:');
      assertRedirect(await visit(s.target, `/r/${link.code}`), url);
      assertRedirect(await visit(s.target, `/${link.code}`), url);
    });

    it('when expiry is set and cleared on a cached link, then 410 and 302 follow at once', async () => {
      const link = await createLink(s.alice);
      assertRedirect(await visit(s.target, `/r/${link.code}`), link.url);
      const soon = new Date(Date.now() + 1_000).toISOString();
      assertStatus(await s.alice.patch(`/api/links/${link.code}`, { expiresAt: soon }), 200, 'expire:');
      assertProblem(await eventually(() => visit(s.target, `/r/${link.code}`), (r) => r.status === 410, 5_000), 410, 'expired:');
      assertStatus(await s.alice.patch(`/api/links/${link.code}`, { expiresAt: null }), 200, 'revive:');
      assertRedirect(await visit(s.target, `/r/${link.code}`), link.url);
    });

    it('when a link is deleted, then the next visit answers 404', async () => {
      const link = await createLink(s.alice);
      assertRedirect(await visit(s.target, `/${link.code}`), link.url);
      assertStatus(await s.alice.delete(`/api/links/${link.code}`), 204, 'delete:');
      assertProblem(await visit(s.target, `/${link.code}`), 404, '/:code');
      assertProblem(await visit(s.target, `/r/${link.code}`), 404, '/r/:code');
    });
  });
}
