import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DIALECTS, FIREFOX_UA, GOOGLEBOT_UA, clickEvent, fakeClock, principal, useDatabase } from '../../../test/support/test-support.ts';
import {
  analyticsMigrations,
  createAnalyticsRepository,
  createAnalyticsQueries,
  createClickIngestion,
  type AnalyticsQueries,
  type ClickEvent,
  type ClickIngestion,
} from './index.ts';

const T0 = Date.parse('2024-03-01T10:15:00Z');
const HOUR = 3_600_000;
const click = (linkId: string, extra: Partial<ClickEvent> = {}) => clickEvent(linkId, { at: T0, ...extra });

for (const dialect of DIALECTS) {
  describe(`analytics ingest and stats on ${dialect}`, () => {
    const database = useDatabase(dialect, { analytics: analyticsMigrations });
    const clock = fakeClock(T0 + 3 * HOUR);
    let service: (ClickIngestion & AnalyticsQueries) | undefined;
    const analytics = () => {
      const repository = createAnalyticsRepository(database());
      // Recording is the writer's business (see analytics.writer.test.ts); these tests ingest directly.
      return (service ??= { ...createClickIngestion(repository), ...createAnalyticsQueries({ repository, now: clock.now }) });
    };

    it('when humans and bots click, then totals count the humans only and stats count the bots apart', async () => {
      const events = [click('a'), click('a'), click('a'), click('a', { userAgent: GOOGLEBOT_UA }), click('a', { userAgent: GOOGLEBOT_UA }), click('b')];
      assert.deepEqual(await analytics().ingest(events), { accepted: 6, duplicates: 0 });
      const totals = await analytics().totalsFor(['a', 'b', 'never-clicked']);
      assert.deepEqual([totals.get('a'), totals.get('b'), totals.get('never-clicked') ?? 0], [3, 1, 0]);
      const stats = await analytics().linkStats({ id: 'a', code: 'code-a' }, { interval: 'day' });
      assert.deepEqual([stats.total, stats.bots], [3, 2]);
    });

    it('when an id repeats in one batch or across batches, then it is counted once and reported as a duplicate', async () => {
      const first = click('dup');
      const second = click('dup');
      assert.deepEqual(await analytics().ingest([first, first, second]), { accepted: 2, duplicates: 1 });
      assert.deepEqual(await analytics().ingest([first, click('dup'), second]), { accepted: 1, duplicates: 2 });
      assert.equal((await analytics().totalsFor(['dup'])).get('dup'), 3);
      assert.equal((await analytics().linkStats({ id: 'dup', code: 'code-dup' }, { interval: 'day' })).total, 3);
    });

    it('when the hot codes are asked, then every owner\'s codes by clicks within the hours asked, bots included, most first', async () => {
      const hot = (name: string, at: number, n: number, extra: Partial<ClickEvent> = {}) =>
        Array.from({ length: n }, () => click(`hot-${name}`, { code: `hot-${name}`, ownerId: `owner-${name}`, at, ...extra }));
      await analytics().ingest([
        ...hot('two', T0 + 2 * HOUR, 2),
        ...hot('three-bots', T0 + 2 * HOUR, 3, { userAgent: GOOGLEBOT_UA }),
        ...hot('one', T0 + HOUR, 1),
        ...hot('old', T0 - 24 * HOUR, 5),
      ]);
      const ours = async (hours: number, limit = 1_000) => (await analytics().hotCodes(hours, limit)).filter((code) => code.startsWith('hot-'));
      // The clock is T0 + 3 h (13:15): 2 hours back is from 11:00 on.
      assert.deepEqual(await ours(2), ['hot-three-bots', 'hot-two', 'hot-one']);
      assert.deepEqual(await ours(1), ['hot-three-bots', 'hot-two']);
      assert.deepEqual(await ours(30), ['hot-old', 'hot-three-bots', 'hot-two', 'hot-one']);
      assert.equal((await analytics().hotCodes(30, 2)).length, 2);
    });

    it('when an empty batch arrives, then nothing is stored', async () => {
      assert.deepEqual(await analytics().ingest([]), { accepted: 0, duplicates: 0 });
    });

    describe('when clicks with referrers, agents, visitors and countries are stored', () => {
      const stats = (range: { from?: number; interval: 'hour' | 'day' }) => analytics().linkStats({ id: 's', code: 'code-s' }, range);
      it('then linkStats gives the hourly series zero-filled up to now, and the breakdowns', async () => {
        await analytics().ingest([
          click('s', { referrer: 'https://news.example.com/a', visitor: 'v1', country: 'de' }),
          click('s', { at: T0 + 300_000, userAgent: FIREFOX_UA, referrer: null, visitor: 'v1', country: 'DE' }),
          click('s', { at: T0 + HOUR, referrer: 'https://NEWS.example.com/b', visitor: 'v2' }),
          click('s', { at: T0 + HOUR, userAgent: GOOGLEBOT_UA, referrer: 'https://crawler.example', visitor: 'bot' }),
        ]);
        const result = await stats({ interval: 'hour' });
        assert.equal(result.code, 'code-s');
        assert.deepEqual(result.series, [
          { t: '2024-03-01T10:00:00.000Z', count: 2 },
          { t: '2024-03-01T11:00:00.000Z', count: 1 },
          { t: '2024-03-01T12:00:00.000Z', count: 0 },
          { t: '2024-03-01T13:00:00.000Z', count: 0 },
        ]);
        assert.deepEqual([result.total, result.bots, result.unique], [3, 1, 2]);
        assert.deepEqual(result.referrers, [{ value: 'news.example.com', count: 2 }, { value: 'direct', count: 1 }]);
        assert.deepEqual(result.browsers, [{ value: 'Chrome', count: 2 }, { value: 'Firefox', count: 1 }]);
        assert.deepEqual(result.countries, [{ value: 'DE', count: 2 }, { value: 'unknown', count: 1 }]);
      });

      it('then a daily series sums the day, and `from` drops the earlier hours', async () => {
        assert.deepEqual((await stats({ interval: 'day' })).series, [{ t: '2024-03-01T00:00:00.000Z', count: 3 }]);
        const later = await stats({ from: T0 + HOUR, interval: 'hour' });
        assert.equal(later.total, 1);
        assert.deepEqual(later.series.map((p) => p.count), [1, 0, 0]);
      });
    });

    it("when an owner's links were clicked, then userClicks sums only theirs and ranks the top links", async () => {
      const [ranker, other] = [principal('ranker'), principal('other')];
      const mine = (linkId: string) => click(linkId, { ownerId: ranker.id });
      await analytics().ingest([mine('u1'), mine('u2'), mine('u2'), click('u3', { ownerId: other.id })]);
      assert.deepEqual(await analytics().userClicks(ranker), {
        clicks: 3,
        top: [{ code: 'code-u2', clicks: 2 }, { code: 'code-u1', clicks: 1 }],
      });
      assert.deepEqual(await analytics().userClicks(principal('nobody')), { clicks: 0, top: [] });
    });
  });
}
