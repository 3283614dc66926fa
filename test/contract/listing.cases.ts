import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { assertProblem, assertStatus } from './expect.ts';
import { createLink, listAll } from './fixtures.ts';
import type { Client } from './http.ts';
import type { Suite } from './suite.ts';
import type { Page } from './types.ts';

export function listingCases(s: Suite): void {
  describe('listing', () => {
    // A private user, so the expected list is exactly what this block created.
    let carol: Client;
    const created: string[] = [];
    before(async () => {
      carol = await s.newUser('carol');
      // One at a time: creation order is the order "newest first" must reverse.
      for (let i = 0; i < 25; i++) created.push((await createLink(carol, { title: `page link ${i}` })).code);
    });

    it('when 25 links are paged with limit=10, then 10+10+5 distinct codes arrive newest first', async () => {
      const pages: Page[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 5 && (i === 0 || cursor !== null); i++) {
        const after: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const res = await carol.get<Page>(`/api/links?limit=10${after}`);
        assertStatus(res, 200, `page ${i}:`);
        pages.push(res.body);
        cursor = res.body.nextCursor;
      }
      assert.deepEqual(pages.map((p) => p.items.length), [10, 10, 5]);
      assert.equal(pages[2]?.nextCursor, null, 'the last page has no nextCursor');
      const codes = pages.flatMap((p) => p.items.map((l) => l.code));
      assert.equal(new Set(codes).size, 25, 'no duplicates across pages');
      assert.deepEqual(codes, [...created].reverse());
    });

    it('when no limit is given, then the page holds 20 and a cursor follows', async () => {
      const res = await carol.get<Page>('/api/links');
      assertStatus(res, 200);
      assert.equal(res.body.items.length, 20);
      assert.equal(typeof res.body.nextCursor, 'string');
    });

    it('when limit is 1 or 100, then it is honoured', async () => {
      assert.equal((await carol.get<Page>('/api/links?limit=1')).body.items.length, 1);
      const all = await carol.get<Page>('/api/links?limit=100');
      assert.deepEqual([all.body.items.length, all.body.nextCursor], [25, null]);
    });

    it('when limit is 0, 101, -1 or abc, then 400', async () => {
      for (const limit of ['0', '101', '-1', 'abc', '1.5']) {
        assertProblem(await carol.get(`/api/links?limit=${limit}`), 400, `limit=${limit}:`);
      }
    });

    it('when the cursor is unknown or garbage, then 400', async () => {
      for (const cursor of ['garbage', 'x'.repeat(300), `' OR 1=1 --`, 'eyJpZCI6OTk5OTk5OX0', '%00']) {
        assertProblem(await carol.get(`/api/links?cursor=${encodeURIComponent(cursor)}`), 400, `cursor=${cursor}:`);
      }
    });
  });

  describe('search and tags', () => {
    let dana: Client;
    const codes: Record<string, string> = {};
    before(async () => {
      dana = await s.newUser('dana');
      const make = async (name: string, body: Record<string, unknown>) => (codes[name] = (await createLink(dana, body)).code);
      await make('summer', { url: 'https://shop.example.com/summer-sale', title: 'Summer sale', tags: ['promo', 'season'] });
      await make('winter', { url: 'https://shop.example.com/winter-sale', title: 'Winter sale', tags: ['promo'] });
      await make('docs', { url: 'https://docs.example.org/start', title: 'Docs', tags: ['help'] });
    });

    const search = async (query: string) => (await listAll(dana, query)).map((l) => l.code).sort();

    it('when q matches title and url words, then only the matching links are listed', async () => {
      assert.deepEqual(await search('&q=sale'), [codes.summer, codes.winter].sort());
      assert.deepEqual(await search('&q=Docs'), [codes.docs]);
      assert.deepEqual(await search('&q=no-such-thing-anywhere'), []);
    });

    it('when tag is given, then only links with that tag are listed', async () => {
      assert.deepEqual(await search('&tag=promo'), [codes.summer, codes.winter].sort());
      assert.deepEqual(await search('&tag=help'), [codes.docs]);
      assert.deepEqual(await search('&tag=absent'), []);
    });

    it('when q and tag are combined, then both must match', async () => {
      assert.deepEqual(await search('&q=summer&tag=promo'), [codes.summer]);
      assert.deepEqual(await search('&q=docs&tag=promo'), []);
    });

    it('when q looks like SQL or a LIKE wildcard, then 200 with only the caller\'s own links', async () => {
      const own = Object.values(codes);
      for (const q of [`' OR 1=1 --`, `"; DROP TABLE links; --`, '%', '_', `') OR ('1'='1`]) {
        const found = await search(`&q=${encodeURIComponent(q)}`);
        assert.ok(found.every((c) => own.includes(c)), `q=${q} leaked ${found.join(',')}`);
      }
      assert.deepEqual(await search(''), [...own].sort(), 'the links survived');
    });
  });
}
