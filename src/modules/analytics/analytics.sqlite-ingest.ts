import type SqliteDatabase from 'better-sqlite3';
import { DICTIONARIES, DICTIONARY_NAMES, createDictionaries, type DictionaryName, type DictionaryScope } from './analytics.dictionary.ts';
import { classifyAgent } from './analytics.enrich.ts';
import { mayBeLegacy, splitEventId } from './analytics.event-id.ts';
import type { ClickEvent } from './analytics.port.ts';
import { createRollupTally, dailyUniques } from './analytics.rollup.ts';
import type { ClickStore, StoredClick, StoredRollup } from './analytics.rollup-window.ts';
import { CLICK_COLUMNS, clickOfRow, collectRuns, type ClickRow } from './analytics.runs.ts';
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

/** Thrown inside a fold's transaction to roll it back: a marker was gone. */
class MarkerTaken extends Error {}

/** Thrown inside a store's transaction to roll it back: a chunk of raw rows held a click stored before. */
class StoredBefore extends Error {}

const RAW_COLUMNS = ['batch', 'seq', 'link', 'at', 'referrer', 'agent', 'visitor', 'country', 'is_bot', 'target'] as const;

/**
 * Raw rows per insert statement. One statement per 50 rows costs about 1.2 µs a row on the bench
 * machine, one per row about 2 µs (binding and stepping a statement is paid per call).
 */
const RAW_CHUNK = 50;

const insertRawSql = (rows: number) =>
  `insert into click_raw (${RAW_COLUMNS.join(', ')}) values ${Array(rows).fill(`(${RAW_COLUMNS.map(() => '?').join(', ')})`).join(', ')} on conflict do nothing`;

/**
 * SQLite ingestion through statements prepared once: the one place analytics skips the query
 * builder. One transaction per call, BEGIN IMMEDIATE so another process never makes it fail
 * midway; dictionary misses are resolved inside it, one indexed lookup or insert each.
 */
export function createSqliteStore(sqlite: SqliteDatabase.Database): ClickStore {
  const dictionaries = createDictionaries();
  const statements = Object.fromEntries(DICTIONARY_NAMES.map((n) => [n, dictionaryStatements(sqlite, n)])) as Record<DictionaryName, { find: Statement; add: Statement }>;
  const insertRaw = sqlite.prepare(insertRawSql(1));
  const insertRawChunk = sqlite.prepare(insertRawSql(RAW_CHUNK));
  const inLegacy = sqlite.prepare('select 1 from click_events where id = ?').pluck();
  const dottedLegacy = sqlite.prepare(`select value from analytics_meta where key = 'legacy_dotted_ids'`).pluck().get() === '1';
  const rollups = Object.fromEntries(Object.entries(ROLLUP_SQL).map(([k, text]) => [k, sqlite.prepare(text)])) as Record<keyof typeof ROLLUP_SQL, Statement>;
  const marker = {
    add: sqlite.prepare('insert into click_unrolled (batch, lo, hi, at) values (?, ?, ?, ?) returning id').pluck(),
    remove: sqlite.prepare('delete from click_unrolled where id = ?'),
    all: sqlite.prepare<[], { id: number; at: number }>('select id, at from click_unrolled'),
    clicks: sqlite.prepare<[number], ClickRow>(`select ${CLICK_COLUMNS} where m.id = ?`),
  };

  function idOf(scope: DictionaryScope, name: DictionaryName, key: string, owner?: string, code?: string): number {
    let id = scope.get(name, key);
    if (id === undefined) {
      const { find, add } = statements[name];
      id = (find.get(key) ?? (owner === undefined ? add.get(key) : add.get(key, owner, code))) as number;
      scope.add(name, key, id);
    }
    return id;
  }

  /** idOf for one dictionary within one transaction, remembering the last key: a batch's clicks mostly repeat it. */
  function lookup(scope: DictionaryScope, name: DictionaryName) {
    let lastKey: string | undefined;
    let lastId = 0;
    return (key: string, owner?: string, code?: string): number => {
      if (key !== lastKey) {
        lastId = idOf(scope, name, key, owner, code);
        lastKey = key;
      }
      return lastId;
    };
  }

  /**
   * The events not stored before, each as one raw row; returns them with their ids. In chunks
   * (`oneByOne` false) a chunk that stores fewer rows than it holds throws StoredBefore: which of
   * its rows were there before is unknown, so the caller rolls back and stores the call one by one.
   * Clicks sent again are rare (a delivery retried after a failure), so most calls go in chunks.
   */
  function storeRaw(scope: DictionaryScope, events: readonly ClickEvent[], oneByOne: boolean) {
    const stored: StoredClick[] = [];
    const runs = collectRuns();
    const [batchOf, linkOf, referrerOf, agentOf, visitorOf] = [lookup(scope, 'batches'), lookup(scope, 'links'), lookup(scope, 'referrers'), lookup(scope, 'agents'), lookup(scope, 'visitors')];
    // A row's values go straight where they are bound (no array per click): the chunk's next
    // row, or, one by one, a row of their own.
    const width = RAW_COLUMNS.length;
    const chunk: unknown[] = new Array(RAW_CHUNK * width);
    const single: unknown[] = new Array(width);
    let inChunk = 0;
    for (const e of events) {
      if (mayBeLegacy(e.id, dottedLegacy) && inLegacy.get(e.id) !== undefined) continue;
      const { batch, seq } = splitEventId(e.id);
      const batchId = batchOf(batch);
      const link = linkOf(e.linkId, e.ownerId, e.code);
      const visitor = e.visitor == null ? null : visitorOf(e.visitor);
      // In RAW_COLUMNS order.
      const row = oneByOne ? single : chunk;
      const at = oneByOne ? 0 : inChunk * width;
      row[at] = batchId;
      row[at + 1] = seq;
      row[at + 2] = link;
      row[at + 3] = e.at;
      row[at + 4] = e.referrer == null ? null : referrerOf(e.referrer);
      row[at + 5] = e.userAgent == null ? null : agentOf(e.userAgent);
      row[at + 6] = visitor;
      row[at + 7] = e.country ?? null;
      row[at + 8] = classifyAgent(e.userAgent).isBot ? 1 : 0;
      row[at + 9] = e.target ?? null;
      if (oneByOne) {
        if (insertRaw.run(single).changes === 0) continue;
      } else if (++inChunk === RAW_CHUNK) {
        if (insertRawChunk.run(chunk).changes !== RAW_CHUNK) throw new StoredBefore();
        inChunk = 0;
      }
      stored.push({ event: e, link, visitor });
      runs.add(batchId, seq);
    }
    // The rows left over, fewer than a chunk, one statement each.
    for (let r = 0; r < inChunk; r++) {
      if (insertRaw.run(chunk.slice(r * width, (r + 1) * width)).changes === 0) throw new StoredBefore();
    }
    return { stored, runs: runs.runs };
  }

  /** One upsert per key of the rollup; the daily uniques count the visitors click_uniques did not have. */
  function writeRollup(rollup: StoredRollup) {
    for (const h of rollup.hourly) rollups.hourly.run(h.link, h.hour, h.humans, h.bots);
    for (const d of rollup.dimensions) rollups.dimension.run(d.link, d.hour, d.dimension, d.value, d.count, d.bots);
    const isNew = (v: StoredRollup['visitors'][number]) => rollups.unique.run(v.day, v.visitor, v.link).changes > 0;
    for (const u of dailyUniques(rollup.visitors.filter(isNew))) rollups.dailyUnique.run(u.link, u.day, u.visitors, u.bots);
    for (const l of rollup.links) rollups.link.run(l.link_id, l.owner_id, l.code, l.humans, l.bots);
    for (const o of rollup.owners) rollups.owner.run(o.owner_id, o.humans, o.bots);
  }

  const store = sqlite.transaction((scope: DictionaryScope, events: readonly ClickEvent[], deferred: boolean, oneByOne: boolean) => {
    const { stored, runs } = storeRaw(scope, events, oneByOne);
    if (deferred) {
      const at = Date.now();
      return { stored, markers: runs.map((r) => marker.add.get(r.batch, r.lo, r.hi, at) as number) };
    }
    const sum = createRollupTally<number, number>();
    for (const click of stored) sum.add(click.event, click.link, click.visitor);
    writeRollup(sum.rows());
    return { stored, markers: [] as number[] };
  });

  const fold = sqlite.transaction((markers: readonly number[], rollup: StoredRollup) => {
    let removed = 0;
    for (const id of markers) removed += marker.remove.run(id).changes;
    if (removed !== markers.length) throw new MarkerTaken();
    writeRollup(rollup);
  });

  return {
    async store(events, deferred) {
      let scope = dictionaries.begin();
      let result;
      try {
        result = store.immediate(scope, events, deferred, false);
      } catch (error) {
        if (!(error instanceof StoredBefore)) throw error;
        // Rolled back, dictionary rows too: a new scope, and each row kept or skipped on its own.
        scope = dictionaries.begin();
        result = store.immediate(scope, events, deferred, true);
      }
      scope.committed();
      return result;
    },
    async fold(markers, rollup) {
      try {
        fold.immediate(markers, rollup);
        return true;
      } catch (error) {
        if (error instanceof MarkerTaken) return false;
        throw error;
      }
    },
    markers: async () => marker.all.all(),
    clicksOf: async (markers) => markers.flatMap((id) => marker.clicks.all(id).map(clickOfRow)),
  };
}
