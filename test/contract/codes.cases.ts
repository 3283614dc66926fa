import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertProblem } from './expect.ts';
import { createLink, listAll, targetUrl, unique } from './fixtures.ts';
import type { Suite } from './suite.ts';

// These share the root path with the short codes (`/:code`); a link named so would shadow a route.
const RESERVED = ['api', 'r', 'health', 'ready', 'metrics', 'stats', 'events', 'internal', 'dashboard', 'docs', 'assets', 'favicon.ico'];

const MALFORMED: [string, string][] = [
  ['too short', 'ab'],
  ['65 characters', 'c'.repeat(65)],
  ['with a space', 'bad code'],
  ['with a slash', 'a/b'],
  ['with a semicolon', 'x;drop'],
  ['SQL quote', `' OR 1=1 --`],
  ['SQL drop', `"; DROP TABLE links; --`],
  ['empty', ''],
  ['a dot path', '..'],
];

export function codesCases(s: Suite): void {
  describe('custom codes', () => {
    it('when a reserved code is requested, then 400 for each', async () => {
      for (const code of RESERVED) {
        assertProblem(await s.alice.post('/api/links', { url: targetUrl(), code }), 400, `code=${code}:`);
      }
    });

    for (const [label, code] of MALFORMED) {
      it(`when the code is ${label}, then 400 and nothing is created`, async () => {
        // Counted, because a rejected code that still inserted a row would go unnoticed otherwise.
        const before = (await listAll(s.alice)).length;
        assertProblem(await s.alice.post('/api/links', { url: targetUrl(), code }), 400, JSON.stringify(code));
        assert.equal((await listAll(s.alice)).length, before);
      });
    }

    it('when the code is 3 or 64 characters of letters, digits, "-" and "_", then it is accepted', async () => {
      const short = unique('').slice(0, 3);
      const long = `${unique('L_')}-${'z'.repeat(64)}`.slice(0, 64);
      for (const code of [short, long]) {
        const link = await createLink(s.alice, { code });
        assert.equal(link.code, code);
      }
    });
  });
}
