import assert from 'node:assert/strict';
import { request } from 'node:http';
import { before, describe, it } from 'node:test';
import { assertRedirect, assertStatus, assertValidation } from './expect.ts';
import { assertSettledTotal, createLink, listAll } from './fixtures.ts';
import { CHROME_UA, visit, type Client } from './http.ts';
import type { Suite } from './suite.ts';

const IMPOSSIBLE_DATES = ['2026-02-30T00:00:00Z', '2027-02-29T12:00:00Z', '2030-04-31T00:00:00Z', '0000-01-01T00:00:00Z',
  '2030-13-01T00:00:00Z', '2030-01-01T24:00:00Z', '2030-01-01T23:60:00Z', '2030-06-30T23:59:60Z', '2030-01-01T00:00:00+25:00'];

/** The Connection header of one answer, asked for with `Connection: close` (which fetch cannot send). */
function connectionOf(url: string): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { connection: 'close' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });
}

export function guardsCases(s: Suite): void {
  describe('dates, loops, password redirects and connections', () => {
    let gina: Client;
    before(async () => {
      gina = await s.newUser('gina');
    });
    const codes = async () => (await listAll(gina)).map((l) => l.code).sort();

    for (const expiresAt of IMPOSSIBLE_DATES) {
      it(`when expiresAt is ${expiresAt}, then 400 naming expiresAt and nothing is created`, async () => {
        const before = await codes();
        assertValidation(await gina.post('/api/links', { url: 'https://example.com/d', expiresAt }), 'expiresAt');
        assert.deepEqual(await codes(), before);
      });
    }

    it('when expiresAt is already past on create or on update, then 400 naming expiresAt', async () => {
      const past = new Date(Date.now() - 60_000).toISOString();
      assertValidation(await gina.post('/api/links', { url: 'https://example.com/p', expiresAt: past }), 'expiresAt', 'create:');
      const link = await createLink(gina);
      assertValidation(await gina.patch(`/api/links/${link.code}`, { expiresAt: past }), 'expiresAt', 'update:');
      assert.equal((await gina.get<{ expiresAt: null }>(`/api/links/${link.code}`)).body.expiresAt, null);
    });

    it('when a leap-year 29 February is given, then it is kept as that day', async () => {
      const link = await createLink(gina, { expiresAt: '2028-02-29T10:00:00Z' });
      assert.equal(link.expiresAt, '2028-02-29T10:00:00.000Z');
    });

    it('when the target is the shortener under a loopback alias, then 400 on create and on update', async () => {
      const port = new URL(s.target.baseUrl).port;
      const aliases = ['localhost', 'LOCALHOST.', '[::1]', '[::ffff:127.0.0.1]', '0.0.0.0', '127.0.0.2', '127.1', '2130706433', '[0:0:0:0:0:0:0:1]', 'app.localhost'];
      const own = await createLink(gina);
      for (const host of aliases) {
        const url = `http://${host}:${port}/${own.code}`;
        assertValidation(await gina.post('/api/links', { url }), 'url', `create ${url}:`);
        assertValidation(await gina.patch(`/api/links/${own.code}`, { url }), 'url', `update ${url}:`);
      }
      assertValidation(await gina.patch(`/api/links/${own.code}`, { url: own.shortUrl }), 'url', 'a link pointed at itself:');
      if (s.opts.mode === 'microservices') {
        // A redirector answers short URLs on its own port too: a link there loops just the same.
        const url = `http://localhost:${s.target.ports.redirector}/${own.code}`;
        assertValidation(await gina.post('/api/links', { url }), 'url', `the redirector's own port, ${url}:`);
      }
      // The same loopback host on a port the shortener does not answer on is someone else.
      assertStatus(await gina.post('/api/links', { url: `http://localhost:1/elsewhere` }), 201, 'another local port:');
    });

    for (const redirectType of [301, 302, 307, 308]) {
      it(`when the right password is posted to a ${redirectType} link, then 303 See Other, so the form is not re-sent`, async () => {
        const link = await createLink(s.alice, { password: 'hunter2', redirectType });
        for (const path of [`/r/${link.code}`, `/${link.code}`]) {
          assertRedirect(await visit(s.target, path, { method: 'POST', form: { password: 'hunter2' } }), link.url, 303);
        }
      });
    }

    // Issue 7, defect 1: analytics refuses a user agent over 1,024 or a referrer over 2,048 characters.
    it('when a visitor sends a 5,000-character user agent and referrer, then the click and the ones after it are counted', async () => {
      const link = await createLink(s.alice);
      // A browser with many extension tokens, so the click counts as human (total excludes bots).
      const long = { userAgent: `${CHROME_UA} ${'Ext/1.0 '.repeat(700)}`, referrer: `https://ref.example/${'r'.repeat(5_000)}` };
      assertRedirect(await visit(s.target, `/${link.code}`, long), link.url);
      assertRedirect(await visit(s.target, `/r/${link.code}`, long), link.url);
      assertRedirect(await visit(s.target, `/${link.code}`), link.url);
      await assertSettledTotal(s.alice, link.code, 3);
    });

    it('when a client sends Connection: close, then the answer says close, for a redirect and for the API', async () => {
      const link = await createLink(s.alice);
      for (const path of [`/${link.code}`, `/r/${link.code}`, '/api/links']) {
        const answer = await connectionOf(s.target.baseUrl + path);
        assert.equal(answer.connection, 'close', `${path} answered ${answer.status} with connection: ${answer.connection}`);
      }
    });
  });
}
