import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertProblem, assertStatus, assertValidation } from './expect.ts';
import { assertSettledTotal, createLink, readStats } from './fixtures.ts';
import { visit } from './http.ts';
import type { Suite } from './suite.ts';
import type { UserStats } from './types.ts';

const BOT_UA = 'Googlebot/2.1 (+http://www.google.com/bot.html)';
const sum = (counts: { count: number }[]) => counts.reduce((n, c) => n + c.count, 0);

export function botsCases(s: Suite): void {
  describe('the bots filter of the stats', () => {
    it('when a link has a human and a bot click, then exclude counts the human, include both, only the bot, breakdowns and series alike', async () => {
      const link = await createLink(s.alice);
      assertStatus(await visit(s.target, `/r/${link.code}`, { referrer: 'https://people.example/post' }), 302);
      assertStatus(await visit(s.target, `/r/${link.code}`, { userAgent: BOT_UA, referrer: 'https://crawler.example/' }), 302);
      const settled = await assertSettledTotal(s.alice, link.code, 1, 1);
      assert.deepEqual(await readStats(s.alice, link.code, '?bots=exclude'), settled, 'exclude is the default');

      const human = settled;
      assert.deepEqual(human.referrers, [{ value: 'people.example', count: 1 }]);
      assert.match(human.browsers[0]?.value ?? '', /chrome/i);

      const all = await readStats(s.alice, link.code, '?bots=include');
      assert.deepEqual([all.total, all.bots, all.unique, sum(all.series)], [2, 1, 2, 2]);
      assert.deepEqual(all.referrers, [{ value: 'crawler.example', count: 1 }, { value: 'people.example', count: 1 }]);
      for (const breakdown of [all.browsers, all.os, all.devices, all.countries]) assert.equal(sum(breakdown), 2);

      const bots = await readStats(s.alice, link.code, '?bots=only&interval=hour');
      assert.deepEqual([bots.total, bots.bots, bots.unique, sum(bots.series)], [1, 1, 1, 1]);
      assert.deepEqual(bots.referrers, [{ value: 'crawler.example', count: 1 }]);
      assert.ok(!bots.browsers.some((b) => /chrome/i.test(b.value)), `browsers ${JSON.stringify(bots.browsers)}`);
      for (const breakdown of [bots.browsers, bots.os, bots.devices, bots.countries]) assert.equal(sum(breakdown), 1);
    });

    it('when a user has human and bot clicks, then /api/stats and /stats count by the same filter', async () => {
      const fern = await s.newUser('fern');
      const [people, crawled] = [await createLink(fern), await createLink(fern)];
      assertStatus(await visit(s.target, `/r/${people.code}`), 302);
      for (let i = 0; i < 2; i++) assertStatus(await visit(s.target, `/r/${crawled.code}`, { userAgent: BOT_UA }), 302);
      await assertSettledTotal(fern, people.code, 1, 0);
      await assertSettledTotal(fern, crawled.code, 0, 2);
      const read = async (path: string) => {
        const res = await fern.get<UserStats>(path);
        assertStatus(res, 200, path);
        return { clicks: res.body.clicks, top: res.body.top };
      };
      const exclude = { clicks: 1, top: [{ code: people.code, clicks: 1 }] };
      const include = { clicks: 3, top: [{ code: crawled.code, clicks: 2 }, { code: people.code, clicks: 1 }] };
      const only = { clicks: 2, top: [{ code: crawled.code, clicks: 2 }] };
      assert.deepEqual(await read('/api/stats'), exclude);
      assert.deepEqual(await read('/api/stats?bots=exclude'), exclude);
      assert.deepEqual(await read('/api/stats?bots=include'), include);
      assert.deepEqual(await read('/api/stats?bots=only'), only);
      assert.deepEqual(await read(`/stats?user=${fern.name}&bots=only`), only);
      assert.deepEqual(await read('/stats?bots=include'), include);
    });

    it('when bots is not exclude, include or only, then 400 on every stats route', async () => {
      const link = await createLink(s.alice);
      for (const path of [`/api/links/${link.code}/stats?bots=all`, '/api/stats?bots=yes', '/stats?bots=', '/api/stats?bots=ONLY']) {
        assertValidation(await s.alice.get(path), 'bots', `${path}:`);
      }
    });

    it("when bob asks for the bot stats of alice's link, then 404 as for a missing link", async () => {
      const link = await createLink(s.alice);
      assertProblem(await s.bob.get(`/api/links/${link.code}/stats?bots=only`), 404, 'another user’s link:');
      assertProblem(await s.bob.get('/api/links/nosuchcodeatall/stats?bots=include'), 404, 'a missing link:');
    });
  });
}
