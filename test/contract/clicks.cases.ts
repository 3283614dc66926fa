import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertProblem, assertStatus } from './expect.ts';
import { assertSettledTotal, createLink, eventually, readLink, readStats, runPool } from './fixtures.ts';
import { GOOGLEBOT_UA, visit } from './http.ts';
import type { Suite } from './suite.ts';
import type { Count, UserStats } from './types.ts';

const sum = (counts: { count: number }[]) => counts.reduce((n, c) => n + c.count, 0);
const find = (counts: Count[], pattern: RegExp) => counts.find((c) => pattern.test(c.value));

export function clicksCases(s: Suite): void {
  describe('click analytics', () => {
    // Enough concurrent clicks to expose a lost or doubled batch; the exact count is the point.
    it('when 2,000 redirects run 50 at a time, then stats and link.clicks count exactly 2,000', async () => {
      const link = await createLink(s.alice);
      const statuses = await runPool(2_000, 50, 60_000, async () => (await visit(s.target, `/r/${link.code}`)).status);
      assert.deepEqual(statuses.filter((st) => st !== 302), [], 'every redirect answered 302');
      await assertSettledTotal(s.alice, link.code, 2_000);
      const clicks = await eventually(async () => (await readLink(s.alice, link.code)).clicks, (n) => n >= 2_000);
      assert.equal(clicks, 2_000, 'link.clicks');
    });

    it('when 5 bot visits come with 20 human ones, then total 20 and bots 5', async () => {
      const link = await createLink(s.alice);
      await runPool(5, 5, 10_000, () => visit(s.target, `/r/${link.code}`, { userAgent: GOOGLEBOT_UA }));
      await runPool(20, 10, 10_000, () => visit(s.target, `/${link.code}`));
      await assertSettledTotal(s.alice, link.code, 20, 5);
      assert.equal((await readLink(s.alice, link.code)).clicks, 20, 'link.clicks leaves bots out');
    });

    it('when clicks carry referrers and a Chrome agent, then the breakdowns and series add up', async () => {
      const link = await createLink(s.alice);
      await runPool(3, 3, 10_000, () => visit(s.target, `/r/${link.code}`, { referrer: 'https://news.example.com/post/1' }));
      await runPool(2, 2, 10_000, () => visit(s.target, `/r/${link.code}`));
      const stats = await assertSettledTotal(s.alice, link.code, 5);
      assert.equal(stats.code, link.code);
      assert.ok(stats.unique >= 1 && stats.unique <= 5, `unique ${stats.unique}`);
      // Labels are the server's to choose ("news.example.com" or the full URL), counts are not.
      assert.equal(find(stats.referrers, /news\.example\.com/)?.count, 3, `referrers ${JSON.stringify(stats.referrers)}`);
      assert.equal(find(stats.browsers, /chrome/i)?.count, 5, `browsers ${JSON.stringify(stats.browsers)}`);
      assert.equal(find(stats.os, /windows/i)?.count, 5, `os ${JSON.stringify(stats.os)}`);
      for (const breakdown of [stats.devices, stats.countries]) assert.ok(Array.isArray(breakdown));
      assert.equal(sum(stats.devices), 5, 'every click has a device bucket');
      for (const interval of ['hour', 'day']) {
        const series = (await readStats(s.alice, link.code, `?interval=${interval}`)).series;
        assert.equal(sum(series), 5, `${interval} series sum`);
        assert.ok(series.every((p) => !Number.isNaN(new Date(p.t).getTime())), `${interval} series t`);
      }
    });

    it('when the range lies in the future, then total is 0', async () => {
      const link = await createLink(s.alice);
      await visit(s.target, `/r/${link.code}`);
      await assertSettledTotal(s.alice, link.code, 1);
      const from = new Date(Date.now() + 86_400_000).toISOString();
      const to = new Date(Date.now() + 2 * 86_400_000).toISOString();
      // The click is settled first, so a 0 here is the range filter at work, not a slow batch.
      const stats = await readStats(s.alice, link.code, `?from=${from}&to=${to}`);
      assert.deepEqual([stats.total, sum(stats.series)], [0, 0]);
    });

    it('when interval or from is not valid, then 400', async () => {
      const link = await createLink(s.alice);
      assertProblem(await s.alice.get(`/api/links/${link.code}/stats?interval=fortnight`), 400, 'interval:');
      assertProblem(await s.alice.get(`/api/links/${link.code}/stats?from=notadate`), 400, 'from:');
    });

    it('when a user has clicked links, then /api/stats and /stats?user= sum them with the top link first', async () => {
      // A fresh user, so links and clicks are exact numbers rather than "at least".
      const gina = await s.newUser('gina');
      const [a, b] = [await createLink(gina), await createLink(gina)];
      await runPool(3, 3, 10_000, () => visit(s.target, `/r/${a.code}`));
      await visit(s.target, `/r/${b.code}`);
      await assertSettledTotal(gina, a.code, 3);
      await assertSettledTotal(gina, b.code, 1);
      const res = await gina.get<UserStats>('/api/stats');
      assertStatus(res, 200);
      assert.deepEqual(
        { user: res.body.user, links: res.body.links, clicks: res.body.clicks, top: res.body.top.slice(0, 2) },
        { user: gina.name, links: 2, clicks: 4, top: [{ code: a.code, clicks: 3 }, { code: b.code, clicks: 1 }] },
      );
      const legacy = await gina.get(`/stats?user=${gina.name}`);
      assertStatus(legacy, 200, '/stats:');
      assert.deepEqual(legacy.body, res.body);
      assertProblem(await gina.get('/stats?user=alice'), 403, 'gina asks for alice:');
    });
  });
}
