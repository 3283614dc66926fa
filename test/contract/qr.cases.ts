import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { assertProblem, assertStatus } from './expect.ts';
import { createLink } from './fixtures.ts';
import type { Suite } from './suite.ts';
import type { Link } from './types.ts';

// The first eight bytes of every PNG file; a text or JSON body would fail here.
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function qrCases(s: Suite): void {
  describe('QR codes', () => {
    let link: Link;
    before(async () => {
      link = await createLink(s.alice);
    });

    it('when format=svg, then 200 image/svg+xml holding an svg element', async () => {
      const res = await s.alice.get(`/api/links/${link.code}/qr?format=svg`);
      assertStatus(res, 200);
      assert.match(res.headers.get('content-type') ?? '', /^image\/svg\+xml/);
      assert.match(res.text, /<svg[\s>]/);
    });

    it('when format=png, then 200 image/png starting with the PNG signature', async () => {
      const res = await s.alice.get(`/api/links/${link.code}/qr?format=png`);
      assertStatus(res, 200);
      assert.match(res.headers.get('content-type') ?? '', /^image\/png/);
      assert.deepEqual(res.bytes.subarray(0, 8), PNG_MAGIC);
    });

    it('when format=gif, then 400', async () => {
      assertProblem(await s.alice.get(`/api/links/${link.code}/qr?format=gif`), 400);
    });
  });
}
