import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createInternalGuard } from '../../src/common/http/internal.ts';
import {
  analyticsInternalRoutes,
  analyticsMigrations,
  createAnalyticsClient,
  createAnalyticsQueries,
  createAnalyticsRepository,
  createClickIngestion,
  createEventsTransport,
  eventsRoutes,
  type AnalyticsQueries,
  type ClickIngestion,
} from '../../src/modules/analytics/index.ts';
import { clickEvent, GOOGLEBOT_UA, principal, useDatabase } from '../support/test-support.ts';
import { portContract, servePort, TOKEN } from './harness.ts';

// What the other modules ask of analytics over the wire: ingestion (the redirector's clicks, through
// its ClickTransport) and the queries (links' click totals, the stats routes). The sink is tested apart.
type AnalyticsCalls = ClickIngestion & AnalyticsQueries;

const T0 = Date.parse('2024-03-01T10:15:00Z');
const HOUR = 3_600_000;

describe('analytics port contract (sqlite)', () => {
  const database = useDatabase('sqlite', { analytics: analyticsMigrations });
  let service: AnalyticsCalls | undefined;
  const analytics = () => {
    const repository = createAnalyticsRepository(database());
    return (service ??= { ...createClickIngestion(repository), ...createAnalyticsQueries({ repository, now: () => T0 + 3 * HOUR }) });
  };

  portContract<AnalyticsCalls>(
    'analytics port',
    [
      { name: 'the analytics service in process', open: async () => ({ port: analytics() }) },
      {
        name: 'createEventsTransport and createAnalyticsClient over HTTP to eventsRoutes and analyticsInternalRoutes',
        async open() {
          const guard = createInternalGuard(TOKEN);
          const server = await servePort('analytics', (app) => {
            app.register(eventsRoutes, { ingestion: analytics(), guard });
            app.register(analyticsInternalRoutes, { queries: analytics(), ingestion: analytics(), guard });
          });
          const transport = createEventsTransport(server.http);
          const port: AnalyticsCalls = {
            ingest: (events) => transport.send(events),
            databaseId: () => transport.identify(),
            ...createAnalyticsClient(server.http),
          };
          return { port, close: server.close };
        },
      },
    ],
    (port) => {
      const run = Math.random().toString(36).slice(2, 8);
      const id = (name: string) => `${name}-${run}`;
      const owner = principal(`an-${run}`);
      const click = (name: string, extra: Parameters<typeof clickEvent>[1] = {}) =>
        clickEvent(id(name), { at: T0, ownerId: owner.id, code: `c-${id(name)}`, ...extra });

      it('when a batch is ingested, then accepted and duplicates are counted the same, a repeated id once', async () => {
        const once = click('a');
        const { database, ...counts } = await port().ingest([once, once, click('a'), click('a', { userAgent: GOOGLEBOT_UA }), click('b')]);
        assert.deepEqual(counts, { accepted: 4, duplicates: 1 });
        // POST /events also names the database that stored them (a sender notes it): the one databaseId names.
        if (database !== undefined) assert.equal(database, await port().databaseId());
        const { database: _again, ...repeated } = await port().ingest([once]);
        assert.deepEqual(repeated, { accepted: 0, duplicates: 1 });
      });

      it('when totals are asked, then humans only, and a link with no clicks has no entry', async () => {
        assert.deepEqual(await port().totalsFor([id('a'), id('b'), id('none')]), new Map([[id('a'), 2], [id('b'), 1]]));
        assert.deepEqual(await port().totalsFor([]), new Map());
      });

      it('when the hot codes are asked, then codes by clicks in the last hours (bots too), most first, older hours left out', async () => {
        // Another owner's links: every owner's count, and this owner's stats below stay as they are.
        const [at, ownerId] = [T0 + 2 * HOUR, `${owner.id}-other`];
        await port().ingest([
          ...Array.from({ length: 3 }, () => click('hot', { at, ownerId })),
          click('hot', { at, ownerId, userAgent: GOOGLEBOT_UA }),
          // Clicked most of all, but the day before: not hot now.
          ...Array.from({ length: 9 }, () => click('yesterday', { at: T0 - 30 * HOUR, ownerId })),
        ]);
        // The service's clock is T0 + 3 h: 'hot' has 4, 'a' 3 (one a bot's), 'b' 1; the other run's codes are there too.
        const ours = (await port().hotCodes(24, 100)).filter((code) => code.endsWith(run));
        assert.deepEqual(ours, [`c-${id('hot')}`, `c-${id('a')}`, `c-${id('b')}`]);
        assert.ok((await port().hotCodes(48, 100)).includes(`c-${id('yesterday')}`));
        assert.equal((await port().hotCodes(24, 2)).length, 2);
      });

      it('when stats are asked, then the same totals, series and dimensions come back', async () => {
        const stats = await port().linkStats({ id: id('a'), code: `c-${id('a')}` }, { from: T0 - HOUR, to: T0 + HOUR, interval: 'hour' });
        assert.deepEqual([stats.code, stats.total, stats.bots, stats.series.length], [`c-${id('a')}`, 2, 1, 2]);
        // Zero-filled from the first click (not from `from`) to `to`.
        assert.deepEqual(stats.series.map((p) => p.count), [2, 0]);
        const none = await port().linkStats({ id: id('none'), code: 'none' }, { interval: 'day' });
        assert.deepEqual([none.total, none.unique, none.bots, none.referrers], [0, 0, 0, []]);
        const user = await port().userClicks(owner);
        assert.deepEqual(user, { clicks: 3, top: [{ code: `c-${id('a')}`, clicks: 2 }, { code: `c-${id('b')}`, clicks: 1 }] });
      });

      it('when stats are asked with a bots filter, then the filter reaches the service: bots only, or everything', async () => {
        const ref = { id: id('a'), code: `c-${id('a')}` };
        const only = await port().linkStats(ref, { interval: 'day' }, 'only');
        assert.deepEqual([only.total, only.bots, only.browsers.map((b) => b.count)], [1, 1, [1]]);
        assert.equal((await port().linkStats(ref, { interval: 'day' }, 'include')).total, 3);
        assert.deepEqual(await port().userClicks(owner, 'only'), { clicks: 1, top: [{ code: `c-${id('a')}`, clicks: 1 }] });
        assert.equal((await port().userClicks(owner, 'include')).clicks, 4);
      });

      it('when the database id is asked, then both answer the one made by the migration', async () => {
        assert.match(await port().databaseId(), /\S/);
        assert.equal(await port().databaseId(), await analytics().databaseId());
      });
    },
  );

  it('when POST /internal/analytics/hot-codes is called without the token or with a bad body, then 401 or 400 problem+json', async () => {
    const guard = createInternalGuard(TOKEN);
    const server = await servePort('analytics', (app) => void app.register(analyticsInternalRoutes, { queries: analytics(), ingestion: analytics(), guard }));
    try {
      const call = async (body: unknown, token: string | null = TOKEN) => {
        const headers = { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) };
        const response = await fetch(`${server.base}/internal/analytics/hot-codes`, { method: 'POST', headers, body: JSON.stringify(body) });
        return [response.status, response.headers.get('content-type')?.split(';')[0]];
      };
      assert.deepEqual(await call({ hours: 24, limit: 10 }), [200, 'application/json']);
      assert.deepEqual(await call({ hours: 24, limit: 10 }, null), [401, 'application/problem+json']);
      assert.deepEqual(await call({ hours: 24, limit: 10 }, 'not-the-token'), [401, 'application/problem+json']);
      for (const bad of [{ hours: 0, limit: 10 }, { hours: 169, limit: 10 }, { hours: 24, limit: 100_001 }, { hours: '24; drop table click_hourly', limit: 10 }, { hours: 24 }, []]) {
        assert.deepEqual(await call(bad), [400, 'application/problem+json'], JSON.stringify(bad));
      }
      // An unknown member is dropped, as on every closed body (validation.ts).
      assert.deepEqual(await call({ hours: 24, limit: 10, extra: 1 }), [200, 'application/json']);
      // Still answering, the rollups untouched.
      assert.ok(Array.isArray(await createAnalyticsClient(server.http).hotCodes(24, 10)));
    } finally {
      await server.close();
    }
  });
});
