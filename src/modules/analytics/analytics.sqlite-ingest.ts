import type SqliteDatabase from 'better-sqlite3';
import { EVENT_COLUMNS, eventValues, type EventRow } from './analytics.events.row.ts';
import { dailyUniques, type Rollup } from './analytics.rollup.ts';

/**
 * SQLite ingestion through prepared statements: the one place analytics skips the query builder.
 * Compiling a multi-row INSERT for every batch cost more than SQLite's own work; a prepared
 * single-row statement run in a loop inside one transaction is several times faster.
 * BEGIN IMMEDIATE takes the write lock up front, so another process never makes it fail midway.
 */
export function createSqliteIngest(sqlite: SqliteDatabase.Database) {
  const statement = (text: string) => sqlite.prepare(text);
  const insertEvent = statement(
    `insert into click_events (${EVENT_COLUMNS.join(', ')})
     values (${EVENT_COLUMNS.map(() => '?').join(', ')}) on conflict (id) do nothing`,
  );
  const addHourly = statement(
    `insert into click_hourly (link_id, hour, humans, bots) values (?, ?, ?, ?)
     on conflict (link_id, hour) do update set humans = humans + excluded.humans, bots = bots + excluded.bots`,
  );
  const addDimension = statement(
    `insert into click_dimensions (link_id, hour, dimension, value, count) values (?, ?, ?, ?, ?)
     on conflict (link_id, hour, dimension, value) do update set count = count + excluded.count`,
  );
  const addVisitor = statement(`insert into click_visitors (link_id, day, visitor) values (?, ?, ?) on conflict do nothing`);
  const addDailyUnique = statement(
    `insert into click_daily_unique (link_id, day, visitors) values (?, ?, ?)
     on conflict (link_id, day) do update set visitors = visitors + excluded.visitors`,
  );
  const addLink = statement(
    `insert into click_links (link_id, owner_id, code, humans, bots) values (?, ?, ?, ?, ?)
     on conflict (link_id) do update set humans = humans + excluded.humans, bots = bots + excluded.bots`,
  );
  const addOwner = statement(
    `insert into click_owners (owner_id, humans) values (?, ?) on conflict (owner_id) do update set humans = humans + excluded.humans`,
  );

  const ingest = sqlite.transaction((rows: readonly EventRow[], rollupOf: (inserted: Set<string>) => Rollup): number => {
    const inserted = new Set<string>();
    for (const r of rows) {
      const { changes } = insertEvent.run(eventValues(r));
      if (changes > 0) inserted.add(r.id);
    }
    if (inserted.size === 0) return 0;
    const rollup = rollupOf(inserted);
    for (const h of rollup.hourly) addHourly.run(h.link_id, h.hour, h.humans, h.bots);
    for (const d of rollup.dimensions) addDimension.run(d.link_id, d.hour, d.dimension, d.value, d.count);
    const newVisitors = rollup.visitors.filter((v) => addVisitor.run(v.link_id, v.day, v.visitor).changes > 0);
    for (const u of dailyUniques(newVisitors)) addDailyUnique.run(u.link_id, u.day, u.visitors);
    for (const l of rollup.links) addLink.run(l.link_id, l.owner_id, l.code, l.humans, l.bots);
    for (const o of rollup.owners) addOwner.run(o.owner_id, o.humans);
    return inserted.size;
  });

  return async (rows: readonly EventRow[], rollupOf: (inserted: Set<string>) => Rollup): Promise<number> =>
    ingest.immediate(rows, rollupOf);
}
