import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Dialect, ModuleMigrations } from '../../common/db.ts';
import { botBreakdowns } from './analytics.migrations.bots.ts';
import { compactClicks } from './analytics.migrations.compact.ts';
import { webhooksTables } from './analytics.webhooks.migrations.ts';

/**
 * On SQLite every table here is WITHOUT ROWID: its primary key is the table, so a row costs one
 * B-tree insert instead of two (rowid table plus key index). That halves ingestion work.
 */
const keyed =
  (dialect: Dialect) =>
  <B extends { modifyEnd(modifier: RawBuilder<unknown>): B }>(table: B): B =>
    dialect === 'sqlite' ? table.modifyEnd(sql`without rowid`) : table;

export const analyticsMigrations: ModuleMigrations = (dialect) => ({
  '001_clicks': {
    async up(db: Kysely<unknown>) {
      const create = (name: string) => db.schema.createTable(name).ifNotExists();
      const withoutRowid = keyed(dialect);
      // Raw events, kept for audit and re-aggregation; reads never scan them.
      await create('click_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('link_id', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('referrer', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('visitor', 'text')
        .addColumn('country', 'text')
        .addColumn('is_bot', 'integer', (c) => c.notNull())
        .$call(withoutRowid)
        .execute();
      // Hourly human and bot clicks per link: the series, and totals over a range.
      await create('click_hourly')
        .addColumn('link_id', 'text', (c) => c.notNull())
        .addColumn('hour', 'bigint', (c) => c.notNull())
        .addColumn('humans', 'bigint', (c) => c.notNull())
        .addColumn('bots', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('click_hourly_pk', ['link_id', 'hour'])
        .$call(withoutRowid)
        .execute();
      // Hourly breakdowns of human clicks by referrer, browser, os, device, country.
      await create('click_dimensions')
        .addColumn('link_id', 'text', (c) => c.notNull())
        .addColumn('hour', 'bigint', (c) => c.notNull())
        .addColumn('dimension', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('click_dimensions_pk', ['link_id', 'hour', 'dimension', 'value'])
        .$call(withoutRowid)
        .execute();
      // Each (link, day, visitor) once: a new row is a new unique visitor of that day.
      await create('click_visitors')
        .addColumn('link_id', 'text', (c) => c.notNull())
        .addColumn('day', 'bigint', (c) => c.notNull())
        .addColumn('visitor', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('click_visitors_pk', ['link_id', 'day', 'visitor'])
        .$call(withoutRowid)
        .execute();
      // Unique visitors per link and day. Visitor hashes rotate daily, so summing days is exact.
      await create('click_daily_unique')
        .addColumn('link_id', 'text', (c) => c.notNull())
        .addColumn('day', 'bigint', (c) => c.notNull())
        .addColumn('visitors', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('click_daily_unique_pk', ['link_id', 'day'])
        .$call(withoutRowid)
        .execute();
      // All-time totals per link and per owner: link.clicks and /api/stats read one row each.
      await create('click_links')
        .addColumn('link_id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('humans', 'bigint', (c) => c.notNull())
        .addColumn('bots', 'bigint', (c) => c.notNull())
        .$call(withoutRowid)
        .execute();
      await db.schema.createIndex('click_links_owner_top').ifNotExists().on('click_links').columns(['owner_id', 'humans']).execute();
      await create('click_owners')
        .addColumn('owner_id', 'text', (c) => c.primaryKey())
        .addColumn('humans', 'bigint', (c) => c.notNull())
        .$call(withoutRowid)
        .execute();
    },
  },
  // One row naming this database: spools carry it, so clicks are never replayed into another database.
  '002_database_id': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('analytics_meta')
        .ifNotExists()
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await sql`insert into analytics_meta (key, value) values ('database_id', ${randomUUID()}) on conflict (key) do nothing`.execute(db);
    },
  },
  '003_compact_clicks': compactClicks(dialect),
  '004_bot_breakdowns': botBreakdowns,
  '005_webhooks': webhooksTables,
  '006_rollup_window': rollupWindow(dialect),
  '007_rollup_room': rollupRoom(dialect),
});

/** The rollup tables whose counters each window adds to (click_links is not one: its humans count is indexed). */
const UPDATED_ROLLUPS = ['click_hourly', 'click_dimensions', 'click_daily_unique', 'click_owners'] as const;

/**
 * 007, PostgreSQL only: the rollup tables keep 30% of each page free (fillfactor 70), so a
 * window's `on conflict do update` of a counter writes the new row version on the same page and
 * touches no index (a HOT update). Full pages made 98.6% of those updates write an index entry
 * and leave a dead row elsewhere. Only pages written from now on keep the room. SQLite updates in place.
 */
function rollupRoom(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect !== 'postgres') return;
      for (const table of UPDATED_ROLLUPS) await sql`alter table ${sql.table(table)} set (fillfactor = 70)`.execute(db);
    },
  };
}

/**
 * 006: rollups written once per window (analytics.rollup-window.ts). A row of click_unrolled names
 * a run of raw clicks (batch, seqs lo..hi) whose rollup is not written yet; it is deleted in the
 * transaction that writes it. click_raw keeps the target too, so a rollup can be made again from
 * raw rows alone.
 */
function rollupWindow(dialect: Dialect) {
  const id = dialect === 'sqlite' ? 'id integer primary key' : 'id bigint generated by default as identity primary key';
  return {
    async up(db: Kysely<unknown>) {
      await sql`create table click_unrolled (${sql.raw(id)}, batch bigint not null, lo integer not null, hi integer not null, at bigint not null)`.execute(db);
      await sql`alter table click_raw add column target text`.execute(db);
    },
  };
}
