import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DIALECTS, fakeClock, principal, useDatabase, withCode } from '../../../test/support/test-support.ts';
import { createLinksRepository, createLinksService, linksMigrations, type LinksPort } from './index.ts';

const BASE = 'https://mlk.example';

for (const dialect of DIALECTS) {
  describe(`links service on ${dialect}`, () => {
    const database = useDatabase(dialect, { links: linksMigrations });
    const clock = fakeClock();
    const changed: string[] = [];
    // Another module's port: links only reads totals from it.
    const totals = new Map<string, number>();
    let service: LinksPort | undefined;
    const links = (): LinksPort =>
      (service ??= createLinksService({
        repository: createLinksRepository(database()),
        clicks: { totalsFor: async (ids) => new Map(ids.filter((id) => totals.has(id)).map((id) => [id, totals.get(id) ?? 0])) },
        changes: { linkChanged: async (code) => void changed.push(code) },
        baseUrl: BASE,
        now: clock.now,
      }));
    // Each test gets its own owner, so the list assertions see only that test's links.
    let owners = 0;
    const freshOwner = () => principal(`${dialect}-owner-${++owners}`);

    it('when a link is created, then get returns it with a generated code, defaults and its clicks', async () => {
      const owner = freshOwner();
      const created = await links().create(owner, { url: '  https://example.com/a  ', tags: ['b', ' a', 'b'] });
      assert.match(created.code, /^[0-9A-Za-z]{7}$/);
      assert.equal(created.shortUrl, `${BASE}/${created.code}`);
      assert.equal(created.url, 'https://example.com/a');
      assert.deepEqual(created.tags, ['a', 'b']);
      assert.equal(created.redirectType, 302);
      assert.equal(created.createdAt, new Date(clock.now()).toISOString());
      assert.deepEqual([created.title, created.expiresAt, created.maxClicks, created.hasPassword], [null, null, null, false]);
      totals.set(created.id, 7);
      assert.deepEqual(await links().get(owner, created.code), { ...created, clicks: 7 });
      assert.equal(await links().count(owner), 1);
    });

    it('when links are listed, then pages come newest first and the cursor walks them without repeats', async () => {
      const owner = freshOwner();
      const made: string[] = [];
      for (let i = 0; i < 5; i++) {
        // Two links share each timestamp, so the id tie-break in the cursor is exercised.
        if (i % 2 === 0) clock.advance(1000);
        made.push((await links().create(owner, { url: `https://example.com/${i}` })).url);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await links().list(owner, { limit: 2, cursor });
        assert.equal(page.items.length, page.nextCursor ? 2 : 1);
        seen.push(...page.items.map((l) => l.url));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      assert.equal(seen.length, 5);
      assert.deepEqual(new Set(seen), new Set(made));
      // Within one timestamp the order is by id, which is random: compare those pairs as sets.
      const tier = (...urls: number[]) => new Set(urls.map((i) => `https://example.com/${i}`));
      assert.deepEqual([new Set(seen.slice(0, 1)), new Set(seen.slice(1, 3)), new Set(seen.slice(3))], [tier(4), tier(2, 3), tier(0, 1)]);
    });

    it('when q holds % or _, then they match literally and the search ignores case', async () => {
      const owner = freshOwner();
      for (const title of ['100% Real', '100 real', 'a_b', 'axb']) await links().create(owner, { url: 'https://example.com/', title });
      const titles = async (q: string) => (await links().list(owner, { limit: 10, q })).items.map((l) => l.title).sort();
      assert.deepEqual(await titles('%'), ['100% Real']);
      assert.deepEqual(await titles('_'), ['a_b']);
      assert.deepEqual(await titles('REAL'), ['100 real', '100% Real']);
    });

    it('when a tag is given, then only links carrying it are listed', async () => {
      const owner = freshOwner();
      await links().create(owner, { url: 'https://example.com/1', tags: ['news', 'tech'] });
      await links().create(owner, { url: 'https://example.com/2', tags: ['tech'] });
      await links().create(owner, { url: 'https://example.com/3' });
      const page = await links().list(owner, { limit: 10, tag: 'news' });
      assert.deepEqual(page.items.map((l) => l.url), ['https://example.com/1']);
      assert.equal((await links().list(owner, { limit: 10, tag: 'tech' })).items.length, 2);
    });

    it('when a link is updated, then null clears a field, the change is stored and the listener hears the code', async () => {
      const owner = freshOwner();
      const { code } = await links().create(owner, {
        url: 'https://example.com/old', title: 't', tags: ['x'], expiresAt: '2030-01-01T00:00:00Z', maxClicks: 5, password: 'pw',
      });
      clock.advance(60_000);
      changed.length = 0;
      const updated = await links().update(owner, code, { url: 'https://example.com/new', title: null, expiresAt: null, maxClicks: null, password: null, tags: [] });
      assert.deepEqual(changed, [code]);
      assert.equal(updated.updatedAt, new Date(clock.now()).toISOString());
      const stored = await links().get(owner, code);
      assert.deepEqual(stored, updated);
      assert.deepEqual([stored.url, stored.title, stored.expiresAt, stored.maxClicks, stored.hasPassword, stored.tags],
        ['https://example.com/new', null, null, null, false, []]);
    });

    it('when a link is removed, then it is gone for get and resolve and the listener hears the code', async () => {
      const owner = freshOwner();
      const { code } = await links().create(owner, { url: 'https://example.com/' });
      changed.length = 0;
      await links().remove(owner, code);
      assert.deepEqual(changed, [code]);
      await assert.rejects(links().get(owner, code), withCode('LINK_NOT_FOUND'));
      assert.equal(await links().resolve(code), null);
    });

    it("when another owner asks for a link, then it is LINK_NOT_FOUND and the link is untouched", async () => {
      const [owner, stranger] = [freshOwner(), freshOwner()];
      const link = await links().create(owner, { url: 'https://example.com/mine' });
      await assert.rejects(links().get(stranger, link.code), withCode('LINK_NOT_FOUND'));
      await assert.rejects(links().update(stranger, link.code, { url: 'https://evil.example' }), withCode('LINK_NOT_FOUND'));
      await assert.rejects(links().remove(stranger, link.code), withCode('LINK_NOT_FOUND'));
      assert.deepEqual(await links().list(stranger, { limit: 10 }), { items: [], nextCursor: null });
      assert.equal((await links().get(owner, link.code)).url, 'https://example.com/mine');
    });

    it('when a custom code is taken, even by another owner, then create throws CODE_TAKEN', async () => {
      const code = `taken-${dialect}`;
      await links().create(freshOwner(), { url: 'https://example.com/', code });
      await assert.rejects(links().create(freshOwner(), { url: 'https://example.com/', code }), withCode('CODE_TAKEN'));
    });

    it('when a password is set, then only its scrypt hash is kept', async () => {
      const link = await links().create(freshOwner(), { url: 'https://example.com/', password: 'hunter2' });
      assert.equal(link.hasPassword, true);
      const hash = (await links().resolve(link.code))?.passwordHash ?? '';
      assert.match(hash, /^scrypt\$[\w-]+\$[\w-]+$/);
      assert.ok(!hash.includes('hunter2'));
    });

    it('when the cursor was not given out by the API, then list throws VALIDATION', async () => {
      for (const cursor of ['garbage', Buffer.from('soon.id').toString('base64url')]) {
        await assert.rejects(links().list(freshOwner(), { limit: 5, cursor }), withCode('VALIDATION'));
      }
    });

    it('when the url, code or expiry is bad, then create throws and stores nothing', async () => {
      const owner = freshOwner();
      await assert.rejects(links().create(owner, { url: 'javascript:alert(1)' }), withCode('INVALID_URL'));
      await assert.rejects(links().create(owner, { url: 'https://example.com/', code: 'Docs' }), withCode('INVALID_CODE'));
      await assert.rejects(links().create(owner, { url: 'https://example.com/', expiresAt: 'tomorrow' }), withCode('VALIDATION'));
      assert.equal(await links().count(owner), 0);
    });
  });
}
