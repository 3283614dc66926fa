import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Database } from '../../common/db.ts';
import { DIALECTS, FIREFOX_UA, GOOGLEBOT_UA, clickEvent, useDatabase } from '../../../test/support/test-support.ts';
import { analyticsMigrations, createAnalyticsRepository, type ClickEvent } from './index.ts';
import { createPostgresStore } from './analytics.postgres-ingest.ts';
import { createRollupWindow, type ClickStore } from './analytics.rollup-window.ts';
import { createSqliteStore } from './analytics.sqlite-ingest.ts';

const T0 = Date.parse('2024-03-01T10:15:00Z');
const HOUR = 3_600_000;
// Longer than any test: the window is written only when the test says so.
const NEVER = 3_600_000;

/** Clicks on three links of two owners over two days: bots, repeat visitors, countries, referrers, targets, both id forms. */
function clicks(batch: string, n: number): ClickEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const link = `link-${i % 3}`;
    return clickEvent(link, {
      id: i % 7 === 6 ? `${batch}-whole-${i}` : `${batch}.${i.toString(36)}`,
      ownerId: i % 3 === 2 ? 'owner-b' : 'owner-a',
      code: `code-${link}`,
      at: T0 + (i % 5) * 7 * HOUR,
      userAgent: i % 4 === 3 ? GOOGLEBOT_UA : FIREFOX_UA,
      visitor: `visitor-${i % 6}`,
      referrer: i % 2 === 0 ? 'https://news.example.com/a' : null,
      country: ['FR', 'DE', null][i % 3] ?? null,
      target: i % 3 === 1 ? `https://example.com/t${i % 2}` : undefined,
    });
  });
}

/** Every rollup row the stats read, by text ids, in one canonical order. */
async function rollups(database: Database): Promise<string[]> {
  const queries = [
    sql`select 'hourly', k.link_id, h.hour, h.humans, h.bots from click_hourly h join click_link_keys k on k.id = h.link`,
    sql`select 'dimension', k.link_id, d.hour, d.dimension, d.value, d.count, d.bots from click_dimensions d join click_link_keys k on k.id = d.link`,
    sql`select 'daily', k.link_id, u.day, u.visitors, u.bots from click_daily_unique u join click_link_keys k on k.id = u.link`,
    sql`select 'unique', k.link_id, u.day, v.visitor from click_uniques u join click_link_keys k on k.id = u.link join click_visitor_keys v on v.id = u.visitor`,
    sql`select 'link', link_id, owner_id, code, humans, bots from click_links`,
    sql`select 'owner', owner_id, humans, bots from click_owners`,
  ];
  const rows: string[] = [];
  for (const query of queries) {
    for (const row of (await query.execute(database.db)).rows as Record<string, unknown>[]) {
      rows.push(Object.values(row).map((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v)).join('|'));
    }
  }
  return rows.sort();
}

const markers = async (database: Database) => Number((await sql<{ n: string | number }>`select count(*) as n from click_unrolled`.execute(database.db)).rows[0]!.n);

for (const dialect of DIALECTS) {
  describe(`the rollup window (ROLLUP_WINDOW_MS) on ${dialect}`, () => {
    // The same clicks stored with each batch's rollup in its own transaction: what the window must equal.
    const reference = useDatabase(dialect, { analytics: analyticsMigrations });
    const windowed = useDatabase(dialect, { analytics: analyticsMigrations });
    const open: { closeRollups(): Promise<void> }[] = [];
    after(() => Promise.all(open.map((r) => r.closeRollups().catch(() => undefined))));

    async function storeBoth(batches: ClickEvent[][], windowMs = NEVER) {
      const direct = createAnalyticsRepository(reference());
      const repository = createAnalyticsRepository(windowed(), { rollupWindowMs: windowMs });
      open.push(repository);
      for (const batch of batches) {
        assert.deepEqual(await repository.ingest(batch), await direct.ingest(batch));
      }
      return repository;
    }

    it('when batches are stored in a window, then the stats wait for it, and then equal rollups written batch by batch', async () => {
      const before = await rollups(windowed());
      const repository = await storeBoth([clicks('w1', 40), clicks('w2', 25), clicks('w1', 40)]);
      assert.deepEqual(await rollups(windowed()), before, 'no rollup row changes before the window is written');
      assert.ok((await markers(windowed())) > 0, 'the stored clicks are marked as not rolled up');
      await repository.foldRollups();
      assert.deepEqual(await rollups(windowed()), await rollups(reference()));
      assert.equal(await markers(windowed()), 0);
    });

    it('when a process dies with a window in memory, then the next one rolls its clicks up from the raw rows (bots, targets and uniques too), and the dead one never adds them twice', async () => {
      const dead = await storeBoth([clicks('d1', 30), clicks('d2', 30)]);
      await sleep(5);
      const next = createAnalyticsRepository(windowed(), { rollupWindowMs: NEVER });
      open.push(next);
      await next.foldRollups();
      assert.deepEqual(await rollups(windowed()), await rollups(reference()));
      // The "dead" window is written after all: its markers are gone, so it rolls back and adds nothing.
      await dead.foldRollups();
      assert.deepEqual(await rollups(windowed()), await rollups(reference()));
      assert.equal(await markers(windowed()), 0);
    });

    it('when a batch repeats stored ids between new ones, then its markers cover only what it stored', async () => {
      const all = clicks('g1', 6).filter((e) => e.id.includes('.'));
      const [even, rest] = [all.filter((_, i) => i % 2 === 0), all];
      const dead = await storeBoth([even, rest]);
      assert.equal(await markers(windowed()), all.length, 'one marker per run: 0, 2, 4 and then 1, 3, 5');
      await sleep(5);
      const next = createAnalyticsRepository(windowed(), { rollupWindowMs: NEVER });
      open.push(next);
      await next.foldRollups();
      await dead.foldRollups();
      assert.deepEqual(await rollups(windowed()), await rollups(reference()));
    });

    it('when the window ends, then its rollup is written without being asked', async () => {
      await storeBoth([clicks('t1', 12)], 50);
      const deadline = Date.now() + 5_000;
      while ((await markers(windowed())) > 0 && Date.now() < deadline) await sleep(20);
      assert.equal(await markers(windowed()), 0);
      assert.deepEqual(await rollups(windowed()), await rollups(reference()));
    });

    it('when a window fails to be written, then it is written a window later, with no new click to prompt it', async () => {
      const database = windowed();
      const store = database.sqlite ? createSqliteStore(database.sqlite) : createPostgresStore(database.db);
      // The database refuses the first fold (as a lost connection or a full disk would), then recovers.
      let refusals = 1;
      const failing: ClickStore = {
        ...store,
        fold: (ids, rollup) => (refusals-- > 0 ? Promise.reject(new Error('the database went away')) : store.fold(ids, rollup)),
      };
      const window = createRollupWindow(failing, { windowMs: 50 });
      open.push({ closeRollups: window.close });
      await window.ingest(clicks('f1', 20));
      // Asked for (a settle) rather than timed: the caller hears of the failure, and the retry is scheduled all the same.
      await assert.rejects(window.fold(), /the database went away/);
      await createAnalyticsRepository(reference()).ingest(clicks('f1', 20));
      const deadline = Date.now() + 5_000;
      while ((await markers(windowed())) > 0 && Date.now() < deadline) await sleep(20);
      assert.equal(refusals, -1, 'the first fold was refused, and a second one came');
      assert.equal(await markers(windowed()), 0);
      assert.deepEqual(await rollups(windowed()), await rollups(reference()));
    });
  });
}
