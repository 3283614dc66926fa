import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BLOCKED_DOMAIN } from './bulk.cases.ts';
import { assertLink, assertProblem, assertRedirect, assertValidation } from './expect.ts';
import { assertSettledTotal, createLink, readLink, targetUrl } from './fixtures.ts';
import { visit } from './http.ts';
import type { Suite } from './suite.ts';
import type { Link, TargetRule } from './types.ts';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36';
const MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';


// The suite's client is on 127.0.0.1, which TRUST_PROXY trusts by default (loopback): its
// X-Forwarded-For and CF-IPCountry stand for what a proxy in front would send.
export function targetingCases(s: Suite): void {
  describe('targeting rules', () => {
    const rules: TargetRule[] = [
      { device: 'ios', url: 'https://apps.apple.com/app/id1' },
      { device: 'android', url: 'https://play.google.com/store/apps/details?id=x' },
      { country: 'de', url: 'https://example.de/' },
    ];

    it('when a link has rules, then each visitor goes to the first rule that matches, else to the link’s url; the stats count each target', async () => {
      const fallback = targetUrl();
      const res = await s.alice.post('/api/links', { url: fallback, rules });
      const link = assertLink(res, 201, s.target.baseUrl);
      assert.deepEqual((res.body as Link).rules, [rules[0], rules[1], { country: 'DE', url: 'https://example.de/' }]);

      assertRedirect(await visit(s.target, `/${link.code}`, { userAgent: IPHONE }), 'https://apps.apple.com/app/id1');
      assertRedirect(await visit(s.target, `/r/${link.code}?utm=a`, { userAgent: ANDROID }), 'https://play.google.com/store/apps/details?id=x&utm=a');
      // A German visitor on a Mac: by the proxy's header, then by the address it forwards (the shipped IP database).
      assertRedirect(await visit(s.target, `/${link.code}`, { userAgent: MAC, headers: { 'cf-ipcountry': 'DE' } }), 'https://example.de/');
      // 193.0.6.139: RIPE NCC in Amsterdam (NL), not DE: the fallback.
      assertRedirect(await visit(s.target, `/${link.code}`, { userAgent: MAC, headers: { 'x-forwarded-for': '193.0.6.139' } }), fallback);
      assertRedirect(await visit(s.target, `/${link.code}`, { userAgent: MAC }), fallback);

      const stats = await assertSettledTotal(s.alice, link.code, 5);
      const targets = Object.fromEntries(stats.targets.map((t) => [t.value, t.count]));
      assert.deepEqual(targets, {
        'https://apps.apple.com/app/id1': 1,
        'https://play.google.com/store/apps/details?id=x': 1,
        'https://example.de/': 1,
        [fallback]: 2,
      });
    });

    it('when a visitor’s address is in a rule’s country, then the shipped IP database decides without a proxy header', async () => {
      // 8.8.4.4: Google's resolver, registered in the US.
      const link = await createLink(s.alice, { rules: [{ country: 'US', url: 'https://example.com/us' }] });
      assertRedirect(await visit(s.target, `/${link.code}`, { headers: { 'x-forwarded-for': '8.8.4.4' } }), 'https://example.com/us');
    });

    it('when a link without rules is visited, then its stats list no targets', async () => {
      const link = await createLink(s.alice);
      assertRedirect(await visit(s.target, `/${link.code}`, { userAgent: IPHONE }), link.url);
      const stats = await assertSettledTotal(s.alice, link.code, 1);
      assert.deepEqual(stats.targets, []);
    });

    it('when rules are changed or cleared, then the next visit follows the new rules', async () => {
      const link = await createLink(s.alice, { rules: [{ device: 'ios', url: 'https://example.com/old' }] });
      assertRedirect(await visit(s.target, `/${link.code}`, { userAgent: IPHONE }), 'https://example.com/old');
      const changed = await s.alice.patch(`/api/links/${link.code}`, { rules: [{ os: 'ios', url: 'https://example.com/new' }] });
      assert.deepEqual((changed.body as Link).rules, [{ os: 'ios', url: 'https://example.com/new' }]);
      assertRedirect(await visit(s.target, `/${link.code}`, { userAgent: IPHONE }), 'https://example.com/new');
      const cleared = await s.alice.patch(`/api/links/${link.code}`, { rules: null });
      assert.deepEqual((cleared.body as Link).rules, []);
      assertRedirect(await visit(s.target, `/${link.code}`, { userAgent: IPHONE }), link.url);
      assert.deepEqual((await readLink(s.alice, link.code)).rules, []);
    });

    it('when a rule is invalid, then 400 names the rule’s field and nothing is created or changed', async () => {
      const bad: [unknown, string][] = [
        [[{ device: 'ios', url: 'ftp://x.example' }], 'rules.0.url'],
        [[{ device: 'ios', url: `https://www.${BLOCKED_DOMAIN}/` }], 'rules.0.url'],
        [[{ device: 'ios', url: `${s.target.baseUrl}/loop` }], 'rules.0.url'],
        [[{ url: 'https://example.com/no-condition' }], 'rules.0'],
        [[{ device: 'windows-phone', url: 'https://example.com/' }], 'device'],
        [[{ country: 'Germany', url: 'https://example.com/' }], 'country'],
        [[{ device: 'ios' }], 'url'],
        [Array.from({ length: 11 }, () => ({ device: 'ios', url: 'https://example.com/' })), 'rules'],
        ['ios', 'rules'],
      ];
      const user = await s.newUser('rules');
      for (const [rulesValue, field] of bad) {
        assertValidation(await user.post('/api/links', { url: targetUrl(), rules: rulesValue }), field, JSON.stringify(rulesValue));
      }
      assert.equal(((await user.get('/api/links')).body as { items: unknown[] }).items.length, 0);
      const link = await createLink(user, { rules: [{ device: 'ios', url: 'https://example.com/kept' }] });
      const problem = assertProblem(await user.patch(`/api/links/${link.code}`, { rules: [{ device: 'ios', url: `https://${BLOCKED_DOMAIN}/` }] }), 400);
      assert.equal(problem.code, 'BLOCKED_DOMAIN');
      assert.deepEqual((await readLink(user, link.code)).rules, [{ device: 'ios', url: 'https://example.com/kept' }]);
    });

    it('when another user sets rules on a link they do not own, then 404 and the rules stay', async () => {
      const link = await createLink(s.alice, { rules: [{ device: 'android', url: 'https://example.com/alice' }] });
      assertProblem(await s.bob.patch(`/api/links/${link.code}`, { rules: [{ device: 'android', url: 'https://evil.example/' }] }), 404);
      assertRedirect(await visit(s.target, `/${link.code}`, { userAgent: ANDROID }), 'https://example.com/alice');
    });
  });
}
