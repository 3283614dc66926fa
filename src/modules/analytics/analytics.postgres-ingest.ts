import { sql, type Kysely } from 'kysely';
import { EVENT_COLUMN_TYPES, EVENT_COLUMNS, type EventRow } from './analytics.events.row.ts';
import { dailyUniques, type Rollup } from './analytics.rollup.ts';

type Column = { values: unknown[]; type: string };

/** `select * from unnest($1::text[], $2::bigint[] …)`: a whole batch bound as one array per column. */
function unnest(columns: Column[]) {
  return sql`select * from unnest(${sql.join(columns.map((c) => sql`${c.values}::${sql.raw(c.type)}[]`))})`;
}

const col = <R>(rows: readonly R[], type: string, pick: (row: R) => unknown): Column => ({ values: rows.map(pick), type });

/**
 * PostgreSQL ingestion: one statement per table per batch, the rows bound as arrays and
 * unnested server-side, instead of one parsed INSERT per few hundred rows.
 */
export function createPostgresIngest(db: Kysely<object>) {
  return (rows: readonly EventRow[], rollupOf: (inserted: Set<string>) => Rollup): Promise<number> =>
    db.transaction().execute(async (trx) => {
      const events = await sql<{ id: string }>`
        insert into click_events (${sql.raw(EVENT_COLUMNS.join(', '))})
        ${unnest(EVENT_COLUMNS.map((c) => col(rows, EVENT_COLUMN_TYPES[c], (r) => r[c])))}
        on conflict (id) do nothing returning id`.execute(trx);
      const inserted = new Set(events.rows.map((r) => r.id));
      if (inserted.size === 0) return 0;
      const { hourly, dimensions, visitors, links, owners } = rollupOf(inserted);
      await sql`insert into click_hourly (link_id, hour, humans, bots)
        ${unnest([col(hourly, 'text', (h) => h.link_id), col(hourly, 'bigint', (h) => h.hour), col(hourly, 'bigint', (h) => h.humans), col(hourly, 'bigint', (h) => h.bots)])}
        on conflict (link_id, hour) do update set humans = click_hourly.humans + excluded.humans, bots = click_hourly.bots + excluded.bots`.execute(trx);
      await sql`insert into click_dimensions (link_id, hour, dimension, value, count)
        ${unnest([col(dimensions, 'text', (d) => d.link_id), col(dimensions, 'bigint', (d) => d.hour), col(dimensions, 'text', (d) => d.dimension), col(dimensions, 'text', (d) => d.value), col(dimensions, 'bigint', (d) => d.count)])}
        on conflict (link_id, hour, dimension, value) do update set count = click_dimensions.count + excluded.count`.execute(trx);
      const fresh = await sql<{ link_id: string; day: number }>`insert into click_visitors (link_id, day, visitor)
        ${unnest([col(visitors, 'text', (v) => v.link_id), col(visitors, 'bigint', (v) => v.day), col(visitors, 'text', (v) => v.visitor)])}
        on conflict do nothing returning link_id, day`.execute(trx);
      const uniques = dailyUniques(fresh.rows.map((r) => ({ link_id: r.link_id, day: Number(r.day) })));
      await sql`insert into click_daily_unique (link_id, day, visitors)
        ${unnest([col(uniques, 'text', (u) => u.link_id), col(uniques, 'bigint', (u) => u.day), col(uniques, 'bigint', (u) => u.visitors)])}
        on conflict (link_id, day) do update set visitors = click_daily_unique.visitors + excluded.visitors`.execute(trx);
      await sql`insert into click_links (link_id, owner_id, code, humans, bots)
        ${unnest([col(links, 'text', (l) => l.link_id), col(links, 'text', (l) => l.owner_id), col(links, 'text', (l) => l.code), col(links, 'bigint', (l) => l.humans), col(links, 'bigint', (l) => l.bots)])}
        on conflict (link_id) do update set humans = click_links.humans + excluded.humans, bots = click_links.bots + excluded.bots`.execute(trx);
      await sql`insert into click_owners (owner_id, humans)
        ${unnest([col(owners, 'text', (o) => o.owner_id), col(owners, 'bigint', (o) => o.humans)])}
        on conflict (owner_id) do update set humans = click_owners.humans + excluded.humans`.execute(trx);
      return inserted.size;
    });
}
