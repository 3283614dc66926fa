import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { assertProblem, assertRedirect, assertStatus } from './expect.ts';
import { createLink } from './fixtures.ts';
import { visit } from './http.ts';
import type { Suite } from './suite.ts';
import type { Link } from './types.ts';

const PASSWORD = 'open sesame';

export function passwordCases(s: Suite): void {
  describe('password-protected links', () => {
    let link: Link;
    before(async () => {
      link = await createLink(s.alice, { password: PASSWORD });
    });

    it('when a protected link is visited, then 200 with an HTML form and no Location', async () => {
      for (const path of [`/r/${link.code}`, `/${link.code}`]) {
        const res = await visit(s.target, path, { accept: 'text/html' });
        assertStatus(res, 200, path);
        assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
        assert.match(res.text, /<form[^>]*method=["']?post/i);
        assert.match(res.text, /name=["']?password/i);
        assert.equal(res.headers.get('location'), null);
        // The form must not hand the target to anyone who merely knows the code.
        assert.ok(!res.text.includes(link.url), 'the form page reveals the target');
      }
    });

    it('when the right password is posted as a form or JSON, then 303 See Other to the target', async () => {
      assertRedirect(await visit(s.target, `/r/${link.code}`, { method: 'POST', form: { password: PASSWORD } }), link.url, 303);
      assertRedirect(await visit(s.target, `/r/${link.code}`, { method: 'POST', json: { password: PASSWORD } }), link.url, 303);
    });

    it('when a wrong or missing password is posted, then 401', async () => {
      assertStatus(await visit(s.target, `/r/${link.code}`, { method: 'POST', form: { password: 'wrong' } }), 401, 'form:');
      assertStatus(await visit(s.target, `/r/${link.code}`, { method: 'POST', json: { password: 'wrong' } }), 401, 'json:');
      // API.md only says "wrong → 401"; an absent field may fairly be a validation error.
      const missing = await visit(s.target, `/r/${link.code}`, { method: 'POST', json: {} });
      assert.ok([400, 401].includes(missing.status), `missing password: got ${missing.status}`);
    });

    it('when a password is posted for an unknown code, then 404', async () => {
      assertProblem(await visit(s.target, '/r/no-such-code-here', { method: 'POST', json: { password: PASSWORD } }), 404);
    });

    it('when the password is cleared, then visits redirect directly', async () => {
      const other = await createLink(s.alice, { password: PASSWORD });
      assertStatus(await visit(s.target, `/r/${other.code}`), 200, 'protected:');
      assertStatus(await s.alice.patch(`/api/links/${other.code}`, { password: null }), 200, 'clear:');
      assertRedirect(await visit(s.target, `/r/${other.code}`), other.url);
    });
  });
}
