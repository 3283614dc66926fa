import { sql, type Kysely, type Transaction } from 'kysely';
import { withRetry, type Database } from '../../common/db.ts';
import { createSqliteIngest } from './analytics.sqlite-ingest.ts';

export interface EventRow {
  id: string;
  link_id: string;
  owner_id: string;
  code: string;
  at: number;
  referrer: string | null;
  user_agent: string | null;
  visitor: string | null;
  country: string | null;
  is_bot: number;
}

export interface HourlyRow {
  link_id: string;
  hour: number;
  owner_id: string;
  code: string;
  humans: number;
  bots: number;
}

export interface DimensionRow {
  link_id: string;
  hour: number;
  dimension: string;
  value: string;
  count: number;
}

export interface VisitorRow {
  link_id: string;
  day: number;
  visitor: string;
}

type AnalyticsTables = {
  click_events: EventRow;
  click_hourly: HourlyRow;
  click_dimensions: DimensionRow;
  click_visitors: VisitorRow;
}

/** The rollup rows a batch adds, computed from the events that were really new. */
export interface Rollup {
  hourly: HourlyRow[];
  dimensions: DimensionRow[];
  visitors: VisitorRow[];
}

// SQLite allows 32,766 bound parameters per statement; 500 rows of ≤ 10 columns stays far below.
const CHUNK = 500;

function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

/** The only code that touches the analytics tables. */
export function createAnalyticsRepository(database: Database) {
  const db: Kysely<AnalyticsTables> = database.db.withTables<AnalyticsTables>();

  async function insertNewEvents(trx: Transaction<AnalyticsTables>, rows: readonly EventRow[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    for (const chunk of chunks(rows)) {
      const result = await trx
        .insertInto('click_events')
        .values(chunk)
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .execute();
      for (const { id } of result) inserted.add(id);
    }
    return inserted;
  }

  async function addRollup(trx: Transaction<AnalyticsTables>, rollup: Rollup): Promise<void> {
    for (const chunk of chunks(rollup.hourly)) {
      await trx
        .insertInto('click_hourly')
        .values(chunk)
        .onConflict((oc) =>
          oc.columns(['link_id', 'hour']).doUpdateSet((eb) => ({
            humans: eb(eb.ref('click_hourly.humans'), '+', eb.ref('excluded.humans')),
            bots: eb(eb.ref('click_hourly.bots'), '+', eb.ref('excluded.bots')),
          })),
        )
        .execute();
    }
    for (const chunk of chunks(rollup.dimensions)) {
      await trx
        .insertInto('click_dimensions')
        .values(chunk)
        .onConflict((oc) =>
          oc
            .columns(['link_id', 'hour', 'dimension', 'value'])
            .doUpdateSet((eb) => ({ count: eb(eb.ref('click_dimensions.count'), '+', eb.ref('excluded.count')) })),
        )
        .execute();
    }
    for (const chunk of chunks(rollup.visitors)) {
      await trx.insertInto('click_visitors').values(chunk).onConflict((oc) => oc.doNothing()).execute();
    }
  }

  const ingestSqlite = database.sqlite ? createSqliteIngest(database.sqlite) : null;

  return {
    /**
     * One transaction: the events not seen before, then the rollup of exactly those.
     * `rollupOf` runs inside it, so a duplicate never reaches the counters.
     */
    ingest(rows: readonly EventRow[], rollupOf: (inserted: Set<string>) => Rollup): Promise<number> {
      if (ingestSqlite) return withRetry(() => ingestSqlite(rows, rollupOf));
      return withRetry(() =>
        db.transaction().execute(async (trx) => {
          const inserted = await insertNewEvents(trx, rows);
          if (inserted.size > 0) await addRollup(trx, rollupOf(inserted));
          return inserted.size;
        }),
      );
    },

    async totalsFor(linkIds: readonly string[]): Promise<Map<string, number>> {
      if (linkIds.length === 0) return new Map();
      const rows = await db
        .selectFrom('click_hourly')
        .select(['link_id', (eb) => eb.fn.sum<number>('humans').as('n')])
        .where('link_id', 'in', linkIds)
        .groupBy('link_id')
        .execute();
      return new Map(rows.map((r) => [r.link_id, Number(r.n)]));
    },

    hourly: (linkId: string, from: number, to: number) =>
      db
        .selectFrom('click_hourly')
        .select(['hour', 'humans', 'bots'])
        .where('link_id', '=', linkId)
        .where('hour', '>=', from)
        .where('hour', '<=', to)
        .orderBy('hour')
        .execute(),

    dimensions: (linkId: string, from: number, to: number) =>
      db
        .selectFrom('click_dimensions')
        .select(['dimension', 'value', (eb) => eb.fn.sum<number>('count').as('n')])
        .where('link_id', '=', linkId)
        .where('hour', '>=', from)
        .where('hour', '<=', to)
        .groupBy(['dimension', 'value'])
        .execute(),

    async uniqueVisitors(linkId: string, fromDay: number, toDay: number): Promise<number> {
      const row = await db
        .selectFrom('click_visitors')
        .select(sql<number>`count(distinct visitor)`.as('n'))
        .where('link_id', '=', linkId)
        .where('day', '>=', fromDay)
        .where('day', '<=', toDay)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    ownerTotals: (ownerId: string) =>
      db
        .selectFrom('click_hourly')
        .select(['link_id', 'code', (eb) => eb.fn.sum<number>('humans').as('n')])
        .where('owner_id', '=', ownerId)
        .groupBy(['link_id', 'code'])
        .execute(),
  };
}

export type AnalyticsRepository = ReturnType<typeof createAnalyticsRepository>;
