import type SqliteDatabase from 'better-sqlite3';
import { DICTIONARIES, DICTIONARY_NAMES, createDictionaries, type DictionaryName, type DictionaryScope } from './analytics.dictionary.ts';
import { classifyAgent } from './analytics.enrich.ts';
import { mayBeLegacy, splitEventId } from './analytics.event-id.ts';
import type { ClickEvent } from './analytics.port.ts';
import { dailyUniques, rollupOf } from './analytics.rollup.ts';
import { ROLLUP_SQL } from './analytics.sqlite-rollup.ts';

type Statement = SqliteDatabase.Statement;

/** Finds a key's id, or inserts the key (a link with its owner and code) and returns the new id. */
function dictionaryStatements(sqlite: SqliteDatabase.Database, name: DictionaryName) {
  const { table, column } = DICTIONARIES[name];
  const extra = name === 'links' ? ['owner_id', 'code'] : [];
  return {
    find: sqlite.prepare(`select id from ${table} where ${column} = ?`).pluck(),
    add: sqlite.prepare(`insert into ${table} (${[column, ...extra].join(', ')}) values (${['?', ...extra.map(() => '?')].join(', ')}) returning id`).pluck(),
  };
}

/**
 * SQLite ingestion through statements prepared once: the one place analytics skips the query
 * builder. One transaction per call, BEGIN IMMEDIATE so another process never makes it fail
 * midway; dictionary misses are resolved inside it, one indexed lookup or insert each.
 */
export function createSqliteIngest(sqlite: SqliteDatabase.Database) {
  const dictionaries = createDictionaries();
  const statements = Object.fromEntries(DICTIONARY_NAMES.map((n) => [n, dictionaryStatements(sqlite, n)])) as Record<DictionaryName, { find: Statement; add: Statement }>;
  const insertRaw = sqlite.prepare(
    `insert into click_raw (batch, seq, link, at, referrer, agent, visitor, country, is_bot)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing`,
  );
  const inLegacy = sqlite.prepare('select 1 from click_events where id = ?').pluck();
  const dottedLegacy = sqlite.prepare(`select value from analytics_meta where key = 'legacy_dotted_ids'`).pluck().get() === '1';
  const rollups = Object.fromEntries(Object.entries(ROLLUP_SQL).map(([k, text]) => [k, sqlite.prepare(text)])) as Record<keyof typeof ROLLUP_SQL, Statement>;

  function idOf(scope: DictionaryScope, name: DictionaryName, key: string, owner?: string, code?: string): number {
    let id = scope.get(name, key);
    if (id === undefined) {
      const { find, add } = statements[name];
      id = (find.get(key) ?? (owner === undefined ? add.get(key) : add.get(key, owner, code))) as number;
      scope.add(name, key, id);
    }
    return id;
  }

  /** The events not stored before, each as one raw row; returns them. */
  function storeRaw(scope: DictionaryScope, events: readonly ClickEvent[]): ClickEvent[] {
    const inserted: ClickEvent[] = [];
    for (const e of events) {
      if (mayBeLegacy(e.id, dottedLegacy) && inLegacy.get(e.id) !== undefined) continue;
      const { batch, seq } = splitEventId(e.id);
      const { changes } = insertRaw.run(
        idOf(scope, 'batches', batch),
        seq,
        idOf(scope, 'links', e.linkId, e.ownerId, e.code),
        e.at,
        e.referrer == null ? null : idOf(scope, 'referrers', e.referrer),
        e.userAgent == null ? null : idOf(scope, 'agents', e.userAgent),
        e.visitor == null ? null : idOf(scope, 'visitors', e.visitor),
        e.country ?? null,
        classifyAgent(e.userAgent).isBot ? 1 : 0,
      );
      if (changes > 0) inserted.push(e);
    }
    return inserted;
  }

  /** The rollup of exactly the inserted events, one upsert per key. */
  function addRollup(scope: DictionaryScope, inserted: readonly ClickEvent[]) {
    const rollup = rollupOf(inserted);
    // Every inserted event resolved its link and visitor, so their ids are in scope.
    const link = (linkId: string) => scope.get('links', linkId);
    for (const h of rollup.hourly) rollups.hourly.run(link(h.link_id), h.hour, h.humans, h.bots);
    for (const d of rollup.dimensions) rollups.dimension.run(link(d.link_id), d.hour, d.dimension, d.value, d.count, d.bots);
    const isNew = (v: (typeof rollup.visitors)[number]) => rollups.unique.run(v.day, scope.get('visitors', v.visitor), link(v.link_id)).changes > 0;
    for (const u of dailyUniques(rollup.visitors.filter(isNew))) rollups.dailyUnique.run(link(u.link_id), u.day, u.visitors, u.bots);
    for (const l of rollup.links) rollups.link.run(l.link_id, l.owner_id, l.code, l.humans, l.bots);
    for (const o of rollup.owners) rollups.owner.run(o.owner_id, o.humans, o.bots);
  }

  const ingest = sqlite.transaction((scope: DictionaryScope, events: readonly ClickEvent[]): ClickEvent[] => {
    const inserted = storeRaw(scope, events);
    if (inserted.length > 0) addRollup(scope, inserted);
    return inserted;
  });

  return async (events: readonly ClickEvent[]): Promise<ClickEvent[]> => {
    const scope = dictionaries.begin();
    const accepted = ingest.immediate(scope, events);
    scope.committed();
    return accepted;
  };
}
