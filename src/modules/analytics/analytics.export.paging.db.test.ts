import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { migrate } from '../../common/db.ts';
import { DIALECTS, FIREFOX_UA, GOOGLEBOT_UA, clickEvent, useDatabase } from '../../../test/support/test-support.ts';
import { createExportRepository } from './analytics.export.repository.ts';
import { createClickExport, type ExportedClick } from './analytics.export.ts';
import { analyticsMigrations, createAnalyticsRepository, createClickIngestion, type ClickEvent } from './index.ts';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const LINK = { id: 'link-paged', code: 'paged' };
const iso = (ms: number) => new Date(ms).toISOString();

// Only the migrations before 003: the schema a database had before the compact storage.
const beforeUpgrade = (dialect: Parameters<typeof analyticsMigrations>[0]) => {
  const all = analyticsMigrations(dialect);
  return { '001_clicks': all['001_clicks']!, '002_database_id': all['002_database_id']! };
};

async function collect(pages: AsyncGenerator<ExportedClick[]>, pageSize: number) {
  const rows: ExportedClick[] = [];
  for await (const page of pages) {
    assert.ok(page.length > 0 && page.length <= pageSize, `a page of ${page.length}`);
    rows.push(...page);
  }
  return rows;
}

for (const dialect of DIALECTS) {
  describe(`clicks export paging on ${dialect}, on a database clicked before and after migration 003`, () => {
    const database = useDatabase(dialect, { analytics: beforeUpgrade });
    const expected: number[] = [];

    it('when clicks sit in click_events and click_raw, among another link’s, then every page is small and each click comes once, old ones first', async () => {
      const db = database();
      // Three clicks stored before 003 (one a bot), and one of another link.
      for (const [id, link, at, agent, bot] of [
        ['old-b', LINK.id, T0 - 3_000, FIREFOX_UA, 0],
        ['old-a', LINK.id, T0 - 2_000, GOOGLEBOT_UA, 1],
        ['old-c', 'link-other', T0 - 1_500, FIREFOX_UA, 0],
        ['old-d', LINK.id, T0 - 1_000, FIREFOX_UA, 0],
      ] as const) {
        await sql`insert into click_events (id, link_id, owner_id, code, at, referrer, user_agent, visitor, country, is_bot)
          values (${id}, ${link}, 'user-o', 'c', ${at}, 'https://old.example/x', ${agent}, 'v-old', 'fr', ${bot})`.execute(db.db);
      }
      await migrate(db, 'analytics', analyticsMigrations);
      // After 003: five batches of five, another link's clicks between them, and ids kept whole.
      const events: ClickEvent[] = [];
      for (let b = 0; b < 5; b++) {
        for (let s = 0; s < 5; s++) events.push(clickEvent(LINK.id, { id: `p${b}.${s}`, at: T0 + (b * 5 + s) * 1_000, visitor: `v${s}`, country: 'DE' }));
        events.push(clickEvent('link-other', { id: `q${b}.0`, at: T0 + b }));
      }
      events.push(clickEvent(LINK.id, { id: 'whole-id', at: T0 + 40_000 }));
      assert.equal((await createClickIngestion(createAnalyticsRepository(db)).ingest(events)).accepted, events.length);
      // The old clicks in id order (old-a before old-b), the new ones in the order they were stored.
      expected.push(T0 - 2_000, T0 - 3_000, T0 - 1_000, ...Array.from({ length: 25 }, (_, i) => T0 + i * 1_000), T0 + 40_000);

      const repository = createExportRepository(db);
      const small = await collect(createClickExport({ repository, pageSize: 2, batchWindow: 1 }).pages(LINK, {}), 2);
      assert.deepEqual(small.map((r) => r.time), expected.map(iso));
      const large = await collect(createClickExport({ repository }).pages(LINK, {}), 1_000);
      assert.deepEqual(large, small, 'the same rows whatever the page size and window');

      const [oldBot, oldHuman] = [small[0]!, small[1]!];
      assert.deepEqual({ ...oldBot, time: '' }, { time: '', country: 'FR', referrer: 'old.example', browser: 'Googlebot', os: 'unknown', device: 'bot', bot: true, visitor: 'v-old' });
      assert.deepEqual([oldHuman.browser, oldHuman.os, oldHuman.bot], ['Firefox', 'Linux', false]);
      assert.deepEqual(small.slice(3, 8).map((r) => [r.country, r.visitor, r.bot]), [0, 1, 2, 3, 4].map((s) => ['DE', `v${s}`, false]));
    });

    it('when from and to are given, then only the clicks between them, inclusive, from both tables', async () => {
      const repository = createExportRepository(database());
      const from = T0 - 2_000;
      const to = T0 + 7_000;
      const rows = await collect(createClickExport({ repository, pageSize: 3, batchWindow: 2 }).pages(LINK, { from, to }), 3);
      assert.deepEqual(rows.map((r) => r.time), expected.filter((t) => t >= from && t <= to).map(iso));
      assert.equal(rows.length, 2 + 8);
    });
  });
}
