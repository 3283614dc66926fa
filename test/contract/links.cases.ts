import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertLink, assertProblem, assertStatus, ISO_UTC } from './expect.ts';
import { createLink, readLink, targetUrl, unique } from './fixtures.ts';
import { visit } from './http.ts';
import type { Suite } from './suite.ts';
import type { Link } from './types.ts';

export function linksCases(s: Suite): void {
  describe('links', () => {
    it('when a link is created with only a url, then it answers 201 with a 7-char base62 code and defaults', async () => {
      const url = targetUrl();
      const link = assertLink(await s.alice.post('/api/links', { url }), 201, s.target.baseUrl);
      assert.match(link.code, /^[A-Za-z0-9]{7}$/);
      assert.deepEqual(
        { url: link.url, title: link.title, tags: link.tags, expiresAt: link.expiresAt, maxClicks: link.maxClicks },
        { url, title: null, tags: [], expiresAt: null, maxClicks: null },
      );
      assert.deepEqual([link.clicks, link.redirectType, link.hasPassword], [0, 302, false]);
    });

    it('when every optional field is given, then each is stored and the password never comes back', async () => {
      const code = unique('full-');
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      const body = { url: targetUrl(), code, title: 'Spring sale', tags: ['promo', 'q2'], expiresAt, maxClicks: 5, password: 'hunter2-secret', redirectType: 307 };
      const res = await s.alice.post('/api/links', body);
      const link = assertLink(res, 201, s.target.baseUrl);
      assert.deepEqual(
        [link.code, link.url, link.title, [...link.tags].sort(), Date.parse(link.expiresAt ?? ''), link.maxClicks, link.redirectType, link.hasPassword],
        [code, body.url, 'Spring sale', ['promo', 'q2'], Date.parse(expiresAt), 5, 307, true],
      );
      // Neither the plain password nor any field named after it may come back.
      assert.ok(!res.text.includes('hunter2-secret') && !('password' in link), `password leaked: ${res.text}`);
    });

    it('when the url has whitespace around it, then it is stored trimmed', async () => {
      const url = targetUrl();
      const link = await createLink(s.alice, { url: `  ${url}\t ` });
      assert.equal(link.url, url);
    });

    // Codes share one namespace (the redirect path), so taken means taken for everyone.
    it('when a custom code is already taken, then 409 for the owner and for anyone else', async () => {
      const { code } = await createLink(s.alice, { code: unique('taken-') });
      assertProblem(await s.alice.post('/api/links', { url: targetUrl(), code }), 409, 'alice again:');
      assertProblem(await s.bob.post('/api/links', { url: targetUrl(), code }), 409, 'bob:');
    });

    it('when the owner reads a link by code, then 200 with the same link', async () => {
      const created = await createLink(s.alice, { title: 'read me' });
      const read = assertLink(await s.alice.get(`/api/links/${created.code}`), 200, s.target.baseUrl);
      assert.deepEqual(read, created);
    });

    it('when fields are patched, then 200 with the changes and the rest untouched', async () => {
      const created = await createLink(s.alice, { title: 'before', tags: ['a'] });
      const patch = { url: targetUrl(), title: 'after', tags: ['b', 'c'], maxClicks: 9, redirectType: 301 };
      const link = assertLink(await s.alice.patch(`/api/links/${created.code}`, patch), 200, s.target.baseUrl);
      assert.deepEqual(
        [link.url, link.title, [...link.tags].sort(), link.maxClicks, link.redirectType],
        [patch.url, 'after', ['b', 'c'], 9, 301],
      );
      // Identity and creation time are not the patch's to change.
      assert.deepEqual([link.id, link.code, link.createdAt], [created.id, created.code, created.createdAt]);
      assert.ok(Date.parse(link.updatedAt) >= Date.parse(created.updatedAt), 'updatedAt moves forward');
      assert.deepEqual(await readLink(s.alice, created.code), link);
    });

    it('when nullable fields are patched to null, then they are cleared', async () => {
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
      const created = await createLink(s.alice, { title: 't', expiresAt, maxClicks: 4, password: 'pw-123456' });
      const nulls = { title: null, expiresAt: null, maxClicks: null, password: null };
      const link = assertLink(await s.alice.patch(`/api/links/${created.code}`, nulls), 200, s.target.baseUrl);
      assert.deepEqual([link.title, link.expiresAt, link.maxClicks, link.hasPassword], [null, null, null, false]);
    });

    it('when a patch sends code or an invalid value, then 400 and the link is unchanged', async () => {
      const created = await createLink(s.alice);
      const path = `/api/links/${created.code}`;
      // A code is the link's identity: renaming would break every printed short URL.
      assertProblem(await s.alice.patch(path, { code: unique('new-') }), 400, 'code:');
      assertProblem(await s.alice.patch(path, { url: 'javascript:alert(1)' }), 400, 'url:');
      assertProblem(await s.alice.patch(path, { url: null }), 400, 'url null:');
      assertProblem(await s.alice.patch(path, { maxClicks: 0 }), 400, 'maxClicks:');
      assertProblem(await s.alice.patch(path, { redirectType: 303 }), 400, 'redirectType:');
      assert.deepEqual(await readLink(s.alice, created.code), created);
    });

    it('when a link is deleted, then 204, and reading or deleting it again answers 404', async () => {
      const { code } = await createLink(s.alice);
      const res = await s.alice.delete(`/api/links/${code}`);
      assertStatus(res, 204);
      assert.equal(res.text, '');
      assertProblem(await s.alice.get(`/api/links/${code}`), 404, 'read:');
      assertProblem(await s.alice.delete(`/api/links/${code}`), 404, 'delete again:');
    });

    it('when a code does not exist, then read, patch, delete, qr and stats answer 404', async () => {
      const code = unique('nope-');
      assertProblem(await s.alice.get(`/api/links/${code}`), 404, 'get:');
      assertProblem(await s.alice.patch(`/api/links/${code}`, { title: 'x' }), 404, 'patch:');
      assertProblem(await s.alice.delete(`/api/links/${code}`), 404, 'delete:');
      assertProblem(await s.alice.get(`/api/links/${code}/qr?format=svg`), 404, 'qr:');
      assertProblem(await s.alice.get(`/api/links/${code}/stats`), 404, 'stats:');
    });

    it('when the body names another owner, then the field is ignored and the link is the caller\'s', async () => {
      // Ownership comes from the credential only; a payload field must never move a link.
      const res = await s.alice.post<Link>('/api/links', { url: targetUrl(), owner: 'bob', ownerId: 'bob' });
      const link = assertLink(res, 201, s.target.baseUrl);
      assertProblem(await s.bob.get(`/api/links/${link.code}`), 404, 'bob reads:');
      assertLink(await s.alice.patch(`/api/links/${link.code}`, { owner: 'bob', title: 'still mine' }), 200, s.target.baseUrl);
      assertProblem(await s.bob.get(`/api/links/${link.code}`), 404, 'bob reads after patch:');
      assert.equal((await readLink(s.alice, link.code)).title, 'still mine');
    });

    it('when a title looks like SQL, then it is stored verbatim and the table survives', async () => {
      for (const title of [`' OR 1=1 --`, `"; DROP TABLE links; --`, `Robert'); DROP TABLE users;-- ✓ 💥`]) {
        const link = await createLink(s.alice, { title });
        assert.equal((await readLink(s.alice, link.code)).title, title);
      }
      assertStatus(await s.alice.get('/api/links'), 200, 'list after:');
    });

    it('when a code in the path looks like SQL, then 404 (or 400) and never a server error', async () => {
      for (const code of [`' OR 1=1 --`, `"; DROP TABLE links; --`, `x' UNION SELECT * FROM users --`]) {
        const path = encodeURIComponent(code);
        for (const res of [await s.alice.get(`/api/links/${path}`), await visit(s.target, `/r/${path}`), await visit(s.target, `/${path}`)]) {
          assert.ok([400, 404].includes(res.status), `${code}: got ${res.status}`);
          assertProblem(res, res.status, code);
        }
      }
    });

    it('when a timestamp is returned, then it is ISO-8601 UTC', async () => {
      // An offset on input must come back normalised to Z, the same instant.
      const link = await createLink(s.alice, { expiresAt: '2031-01-02T03:04:05+02:00' });
      assert.match(link.expiresAt ?? '', ISO_UTC);
      assert.equal(Date.parse(link.expiresAt ?? ''), Date.parse('2031-01-02T01:04:05Z'));
    });
  });
}
