import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertProblem, assertStatus, assertValidation } from './expect.ts';
import { createLink, listAll, readLink, targetUrl, unique } from './fixtures.ts';
import type { Client, Reply } from './http.ts';
import type { Suite } from './suite.ts';
import type { Link, Problem } from './types.ts';

/** The harness starts every target with this in BLOCKED_DOMAINS (see harness.ts). */
export const BLOCKED_DOMAIN = 'blocked.example';

interface BulkReply {
  created: number;
  failed: number;
  results: { index: number; status: number; link?: Link; problem?: Problem }[];
}

function assertBulk(res: Reply, created: number, failed: number): BulkReply {
  assertStatus(res, 207, 'bulk:');
  const body = res.body as BulkReply;
  assert.equal(body.created, created, `created: ${res.text.slice(0, 800)}`);
  assert.equal(body.failed, failed, `failed: ${res.text.slice(0, 800)}`);
  assert.deepEqual(body.results.map((r) => r.index), body.results.map((_, i) => i), 'one result per item, in order');
  return body;
}

const codesOf = async (client: Client) => new Set((await listAll(client)).map((l) => l.code));

export function bulkCases(s: Suite): void {
  describe('bulk create', () => {
    it('when every item is good, then each is created, in order, and each redirects', async () => {
      const user = await s.newUser('bulk');
      const urls = Array.from({ length: 25 }, () => targetUrl());
      const body = assertBulk(await user.post('/api/links/bulk', { links: urls.map((url, i) => ({ url, title: `n${i}`, tags: ['bulk'] })) }), 25, 0);
      body.results.forEach((result, i) => {
        assert.equal(result.status, 201);
        assert.equal(result.link?.url, urls[i]);
        assert.equal(result.link?.title, `n${i}`);
      });
      assert.equal((await listAll(user, '&tag=bulk')).length, 25);
      const first = body.results[0]?.link as Link;
      assert.equal((await readLink(user, first.code)).url, urls[0]);
    });

    it('when some items are bad, then each bad one has its own problem and the good ones are created', async () => {
      const user = await s.newUser('bulk');
      const taken = (await createLink(user)).code;
      const fresh = unique('bk');
      const items = [
        { url: targetUrl() },
        { url: 'ftp://files.example/x' },
        { url: targetUrl(), code: taken },
        { url: 12 },
        { url: targetUrl(), code: fresh },
        { url: targetUrl(), code: fresh },
        'not an object',
        { url: `https://${BLOCKED_DOMAIN}/x` },
        { url: targetUrl(), expiresAt: '2000-01-01T00:00:00Z' },
        { url: targetUrl(), owner: 'someone-else' },
      ];
      const body = assertBulk(await user.post('/api/links/bulk', { links: items }), 3, 7);
      const expected: [number, string | null][] = [
        [201, null], [400, 'INVALID_URL'], [409, 'CODE_TAKEN'], [400, 'VALIDATION'], [201, null],
        [409, 'CODE_TAKEN'], [400, 'VALIDATION'], [400, 'BLOCKED_DOMAIN'], [400, 'VALIDATION'], [201, null],
      ];
      body.results.forEach((result, i) => {
        const [status, code] = expected[i] as [number, string | null];
        assert.equal(result.status, status, `item ${i}: ${JSON.stringify(result)}`);
        if (code === null) {
          assert.ok(result.link, `item ${i} has its link`);
        } else {
          assert.equal(result.problem?.code, code, `item ${i}`);
          assert.equal(result.problem?.status, status, `item ${i}`);
          assert.equal(typeof result.problem?.detail, 'string');
        }
      });
      // Field errors name the field, as a single create's 400 does.
      assert.ok(body.results[3]?.problem?.errors?.some((e) => e.field === 'url'), JSON.stringify(body.results[3]));
      // Exactly the three good items exist: nothing of a refused one was written.
      const codes = await codesOf(user);
      assert.equal(codes.size, 4);
      assert.ok(codes.has(fresh) && codes.has(taken));
    });

    it('when the batch is empty, over 1,000 items, or not a list, then 400 and nothing is created', async () => {
      const user = await s.newUser('bulk');
      assertValidation(await user.post('/api/links/bulk', { links: [] }), 'links');
      assertValidation(await user.post('/api/links/bulk', { links: Array.from({ length: 1_001 }, () => ({ url: targetUrl() })) }), 'links');
      assertValidation(await user.post('/api/links/bulk', { links: { url: targetUrl() } }), 'links');
      assertValidation(await user.post('/api/links/bulk', [{ url: targetUrl() }]), '(root)');
      assertProblem(await user.send('POST', '/api/links/bulk', { raw: '{"links": [', headers: { 'content-type': 'application/json' } }), 400);
      assert.equal((await listAll(user)).length, 0);
    });

    it('when 1,000 items are sent, then all are created', async () => {
      const user = await s.newUser('bulk');
      const links = Array.from({ length: 1_000 }, () => ({ url: targetUrl() }));
      assertBulk(await user.post('/api/links/bulk', { links }), 1_000, 0);
      assert.equal((await listAll(user)).length, 1_000);
    });

    it('when there is no credential, then 401 and nothing is created', async () => {
      const code = unique('anon');
      assertProblem(await s.anon.post('/api/links/bulk', { links: [{ url: targetUrl(), code }] }), 401);
      assertProblem(await s.alice.get(`/api/links/${code}`), 404);
    });

    it("when an item names another user's code, then it is CODE_TAKEN and that link stays theirs", async () => {
      const mine = await createLink(s.bob);
      const body = assertBulk(await s.alice.post('/api/links/bulk', { links: [{ url: targetUrl(), code: mine.code }] }), 0, 1);
      assert.equal(body.results[0]?.problem?.code, 'CODE_TAKEN');
      assert.equal((await readLink(s.bob, mine.code)).url, mine.url);
    });
  });

  describe('blocked domains', () => {
    const blocked = [`https://${BLOCKED_DOMAIN}/x`, `https://www.${BLOCKED_DOMAIN}/`, `http://A.B.${BLOCKED_DOMAIN.toUpperCase()}:8080/`];

    it('when a link is created on a blocked domain or a subdomain of it, then 400 BLOCKED_DOMAIN and nothing is created', async () => {
      const user = await s.newUser('blocked');
      for (const url of blocked) {
        const problem = assertValidation(await user.post('/api/links', { url }), 'url', url);
        assert.equal(problem.code, 'BLOCKED_DOMAIN', url);
      }
      assert.equal((await listAll(user)).length, 0);
    });

    it('when a link is changed to a blocked domain, then 400 BLOCKED_DOMAIN and it keeps its target', async () => {
      const link = await createLink(s.alice);
      const problem = assertProblem(await s.alice.patch(`/api/links/${link.code}`, { url: blocked[1] }), 400);
      assert.equal(problem.code, 'BLOCKED_DOMAIN');
      assert.equal((await readLink(s.alice, link.code)).url, link.url);
    });

    it('when a domain only resembles a blocked one, then it is accepted', async () => {
      for (const url of [`https://not${BLOCKED_DOMAIN}/`, `https://${BLOCKED_DOMAIN}.org/`, `https://example.com/?next=${BLOCKED_DOMAIN}`]) {
        assertStatus(await s.alice.post('/api/links', { url }), 201, url);
      }
    });
  });
}
