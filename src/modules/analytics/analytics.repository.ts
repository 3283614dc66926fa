import type { ExpressionBuilder, Kysely } from 'kysely';
import { withRetry, type Database } from '../../common/db.ts';
import type { BotsFilter } from './analytics.port.ts';
import type { Logger } from '../../common/logger.ts';
import { createPostgresStore } from './analytics.postgres-ingest.ts';
import type { ClickEvent } from './analytics.port.ts';
import type { Dimension } from './analytics.dimensions.ts';
import type { Rollup } from './analytics.rollup.ts';
import { createRollupWindow } from './analytics.rollup-window.ts';
import { createSqliteStore } from './analytics.sqlite-ingest.ts';

// The tables the stats read (`link` is the id in click_link_keys); the ingest files write them all.
type AnalyticsTables = {
  click_link_keys: { id: number; link_id: string; owner_id: string; code: string };
  click_hourly: { link: number; hour: number; humans: number; bots: number };
  click_dimensions: { link: number; hour: number; dimension: Dimension; value: string; count: number; bots: number };
  click_daily_unique: { link: number; day: number; visitors: number; bots: number };
  click_links: Rollup['links'][number];
  click_owners: Rollup['owners'][number];
  analytics_meta: { key: string; value: string };
};

export interface AnalyticsRepositoryOptions {
  /** ROLLUP_WINDOW_MS: 0 writes each batch's rollup with its raw rows; more writes the rollups once per window. */
  rollupWindowMs?: number;
  /** A window is written early once its rollup would touch this many rows (50,000 unless said). */
  rollupMaxKeys?: number;
  logger?: Logger;
}

/** The only code that touches the analytics tables. */
export function createAnalyticsRepository(database: Database, { rollupWindowMs = 0, rollupMaxKeys, logger }: AnalyticsRepositoryOptions = {}) {
  const db: Kysely<AnalyticsTables> = database.db.withTables<AnalyticsTables>();
  // Writing is dialect-specific (prepared statements on SQLite, unnest() on PostgreSQL); reading is not.
  const store = database.sqlite ? createSqliteStore(database.sqlite) : createPostgresStore(database.db);
  const rollupWindow = createRollupWindow(store, { windowMs: rollupWindowMs, ...(rollupMaxKeys !== undefined && { maxKeys: rollupMaxKeys }), logger });
  let databaseId: Promise<string> | undefined;

  return {
    /** Written once by a migration and never changed, so it is read once. */
    databaseId(): Promise<string> {
      databaseId ??= db
        .selectFrom('analytics_meta')
        .select('value')
        .where('key', '=', 'database_id')
        .executeTakeFirstOrThrow()
        .then((row) => row.value);
      // A failed read (database down) is tried again next time.
      databaseId.catch(() => (databaseId = undefined));
      return databaseId;
    },

    /**
     * One transaction: the events not seen before (by id), then the rollup of exactly those (now,
     * or at the end of the rollup window), so a duplicate never reaches the counters. Returns the
     * events that were new.
     */
    ingest: (events: readonly ClickEvent[]): Promise<ClickEvent[]> => withRetry(() => rollupWindow.ingest(events)),

    /** Writes the rollup window now: every click stored before the call is in the stats after it. */
    foldRollups: (): Promise<void> => rollupWindow.fold(),

    /** Writes what the rollup window holds and stops its timer; before the database closes. */
    closeRollups: (): Promise<void> => rollupWindow.close(),

    async totalsFor(linkIds: readonly string[]): Promise<Map<string, number>> {
      if (linkIds.length === 0) return new Map();
      const rows = await db.selectFrom('click_links').select(['link_id', 'humans']).where('link_id', 'in', linkIds).execute();
      return new Map(rows.map((r) => [r.link_id, Number(r.humans)]));
    },

    hourly: (linkId: string, from: number, to: number) =>
      db
        .selectFrom('click_hourly as h')
        .innerJoin('click_link_keys as k', 'k.id', 'h.link')
        .select(['h.hour', 'h.humans', 'h.bots'])
        .where('k.link_id', '=', linkId)
        .where('h.hour', '>=', from)
        .where('h.hour', '<=', to)
        .orderBy('h.hour')
        .execute(),

    dimensions: (linkId: string, from: number, to: number) =>
      db
        .selectFrom('click_dimensions as d')
        .innerJoin('click_link_keys as k', 'k.id', 'd.link')
        .select(['d.dimension', 'd.value', (eb) => eb.fn.sum<number>('d.count').as('humans'), (eb) => eb.fn.sum<number>('d.bots').as('bots')])
        .where('k.link_id', '=', linkId)
        .where('d.hour', '>=', from)
        .where('d.hour', '<=', to)
        .groupBy(['d.dimension', 'd.value'])
        .execute(),

    /** Distinct visitors summed over days, humans and bots apart. */
    async uniqueVisitors(linkId: string, fromDay: number, toDay: number): Promise<HumansAndBots> {
      const row = await db
        .selectFrom('click_daily_unique as u')
        .innerJoin('click_link_keys as k', 'k.id', 'u.link')
        .select((eb) => [eb.fn.sum<number>('u.visitors').as('humans'), eb.fn.sum<number>('u.bots').as('bots')])
        .where('k.link_id', '=', linkId)
        .where('u.day', '>=', fromDay)
        .where('u.day', '<=', toDay)
        .executeTakeFirst();
      return { humans: Number(row?.humans ?? 0), bots: Number(row?.bots ?? 0) };
    },

    async ownerClicks(ownerId: string): Promise<HumansAndBots> {
      const row = await db.selectFrom('click_owners').select(['humans', 'bots']).where('owner_id', '=', ownerId).executeTakeFirst();
      return { humans: Number(row?.humans ?? 0), bots: Number(row?.bots ?? 0) };
    },

    /** The owner's most-clicked links by the clicks `bots` counts; human clicks read the (owner_id, humans) index. */
    /**
     * The codes of every owner's links by clicks (humans and bots: each one a redirect) in the
     * rollup hours from `sinceHour` on, most first. Reads every hourly row of the period once;
     * asked when a redirector starts, not per request.
     */
    async hotCodes(sinceHour: number, limit: number): Promise<string[]> {
      const rows = await db
        .selectFrom('click_hourly as h')
        .innerJoin('click_link_keys as k', 'k.id', 'h.link')
        .select('k.code')
        .where('h.hour', '>=', sinceHour)
        .groupBy(['h.link', 'k.code'])
        .orderBy((eb) => eb.fn.sum(eb('h.humans', '+', eb.ref('h.bots'))), 'desc')
        .orderBy('k.code')
        .limit(limit)
        .execute();
      return rows.map((row) => row.code);
    },

    topLinks: (ownerId: string, limit: number, bots: BotsFilter) => {
      const counted = (eb: ExpressionBuilder<AnalyticsTables, 'click_links'>) =>
        bots === 'exclude' ? eb.ref('humans') : bots === 'only' ? eb.ref('bots') : eb('humans', '+', eb.ref('bots'));
      return db
        .selectFrom('click_links')
        .select((eb) => ['code', counted(eb).as('n')])
        .where('owner_id', '=', ownerId)
        .where((eb) => eb(counted(eb), '>', 0))
        .orderBy('n', 'desc')
        .orderBy('code')
        .limit(limit)
        .execute();
    },
  };
}

export interface HumansAndBots {
  humans: number;
  bots: number;
}

export type AnalyticsRepository = ReturnType<typeof createAnalyticsRepository>;
