import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertRedirect } from './expect.ts';
import { assertSettledTotal, createLink, eventually, readLink, runPool } from './fixtures.ts';
import { visit } from './http.ts';
import type { Suite } from './suite.ts';

export function shutdownCases(s: Suite): void {
  describe('shutdown', () => {
    it('when SIGTERM follows 300 redirects, then exit 0, and after a restart stats hold exactly 300', async () => {
      const link = await createLink(s.alice);
      const statuses = await runPool(300, 50, 30_000, async () => (await visit(s.target, `/r/${link.code}`)).status);
      assert.deepEqual(statuses.filter((st) => st !== 302), []);
      // No waiting here: the clicks still in the buffer are what the shutdown must flush.
      assert.equal(await s.target.stop('SIGTERM'), 0, 'exit code');
      await s.target.restart();
      await assertSettledTotal(s.alice, link.code, 300);
      const clicks = await eventually(async () => (await readLink(s.alice, link.code)).clicks, (n) => n >= 300);
      assert.equal(clicks, 300, 'link.clicks');
      assertRedirect(await visit(s.target, `/r/${link.code}`), link.url);
    });
  });
}
