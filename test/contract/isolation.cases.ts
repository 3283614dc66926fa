import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { assertProblem, assertRedirect } from './expect.ts';
import { createLink, listAll, readLink } from './fixtures.ts';
import { visit } from './http.ts';
import type { Suite } from './suite.ts';
import type { Link } from './types.ts';

export function isolationCases(s: Suite): void {
  // 404 and never 403: another user's link must not even be shown to exist.
  describe('another user', () => {
    let link: Link;
    before(async () => {
      link = await createLink(s.alice, { title: 'alice private', tags: ['mine'] });
    });

    it('when bob reads alice\'s link, then 404', async () => {
      assertProblem(await s.bob.get(`/api/links/${link.code}`), 404);
    });

    it('when bob patches alice\'s link, then 404', async () => {
      assertProblem(await s.bob.patch(`/api/links/${link.code}`, { url: 'https://evil.example.net/', title: 'bob was here' }), 404);
    });

    it('when bob deletes alice\'s link, then 404', async () => {
      assertProblem(await s.bob.delete(`/api/links/${link.code}`), 404);
    });

    it('when bob asks for the QR code or stats of alice\'s link, then 404', async () => {
      assertProblem(await s.bob.get(`/api/links/${link.code}/qr?format=svg`), 404, 'qr:');
      assertProblem(await s.bob.get(`/api/links/${link.code}/stats`), 404, 'stats:');
    });

    it('when bob lists or searches, then alice\'s link is not among his', async () => {
      // Bob owns a link too, so an empty list cannot pass for correct scoping.
      await createLink(s.bob, { title: 'bob own' });
      for (const query of ['', '&q=alice', '&tag=mine', `&q=${link.code}`]) {
        const codes = (await listAll(s.bob, query)).map((l) => l.code);
        assert.ok(!codes.includes(link.code), `bob's list${query} shows alice's link`);
      }
    });

    it('when bob has tried everything, then alice\'s link is unchanged and still redirects', async () => {
      assert.deepEqual(await readLink(s.alice, link.code), link);
      assertRedirect(await visit(s.target, `/r/${link.code}`), link.url);
    });

    it('when bob asks /stats for alice, then 403', async () => {
      assertProblem(await s.bob.get('/stats?user=alice'), 403);
    });
  });
}
