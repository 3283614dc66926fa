import { sql, type Kysely, type Transaction } from 'kysely';
import { createDictionaries, type DictionaryScope } from './analytics.dictionary.ts';
import { classifyAgent } from './analytics.enrich.ts';
import { mayBeLegacy, splitEventId } from './analytics.event-id.ts';
import type { ClickEvent } from './analytics.port.ts';
import { resolveDictionaries } from './analytics.postgres-dictionary.ts';
import { writeRollup } from './analytics.postgres-rollup.ts';
import { col, unnest } from './analytics.postgres-unnest.ts';
import { createRollupTally } from './analytics.rollup.ts';
import type { ClickStore, StoredClick } from './analytics.rollup-window.ts';
import { CLICK_COLUMNS, clickOfRow, runsOf, type ClickRow } from './analytics.runs.ts';

/** What a batch's raw rows need: its ids split, its texts as dictionary ids. */
function rawRows(scope: DictionaryScope, events: readonly ClickEvent[], dottedLegacy: boolean) {
  const id = (name: Parameters<DictionaryScope['get']>[0], key: string | null | undefined) => (key == null ? null : scope.get(name, key)!);
  return events.map((e) => {
    const { batch, seq } = splitEventId(e.id);
    return {
      event: e,
      batch: id('batches', batch)!,
      seq,
      link: id('links', e.linkId)!,
      at: e.at,
      referrer: id('referrers', e.referrer),
      agent: id('agents', e.userAgent),
      visitor: id('visitors', e.visitor),
      country: e.country ?? null,
      isBot: classifyAgent(e.userAgent).isBot ? 1 : 0,
      target: e.target ?? null,
      legacy: mayBeLegacy(e.id, dottedLegacy) ? e.id : null,
    };
  });
}

type RawRow = ReturnType<typeof rawRows>[number];

/** Inserts the rows not stored before (nor, for an old id, in click_events); returns those it inserted. */
async function storeRaw(trx: Transaction<object>, rows: readonly RawRow[]): Promise<RawRow[]> {
  const stored = await sql<{ batch: string; seq: number }>`
    insert into click_raw (batch, seq, link, at, referrer, agent, visitor, country, is_bot, target)
    select batch, seq, link, at, referrer, agent, visitor, country, is_bot, target
    from (${unnest([
      col(rows, 'bigint', (r) => r.batch),
      col(rows, 'integer', (r) => r.seq),
      col(rows, 'bigint', (r) => r.link),
      col(rows, 'bigint', (r) => r.at),
      col(rows, 'bigint', (r) => r.referrer),
      col(rows, 'bigint', (r) => r.agent),
      col(rows, 'bigint', (r) => r.visitor),
      col(rows, 'text', (r) => r.country),
      col(rows, 'integer', (r) => r.isBot),
      col(rows, 'text', (r) => r.target),
      col(rows, 'text', (r) => r.legacy),
    ])}) as u (batch, seq, link, at, referrer, agent, visitor, country, is_bot, target, legacy)
    where legacy is null or not exists (select 1 from click_events e where e.id = u.legacy)
    on conflict do nothing returning batch, seq`.execute(trx);
  const keys = new Set(stored.rows.map((r) => `${r.batch}:${r.seq}`));
  return rows.filter((r) => keys.has(`${r.batch}:${r.seq}`));
}

/** One row per run of stored seqs, written in one statement; their ids in the order of the runs. */
async function addMarkers(trx: Transaction<object>, stored: readonly RawRow[]): Promise<number[]> {
  const runs = runsOf(stored);
  if (runs.length === 0) return [];
  const at = Date.now();
  const { rows } = await sql<{ id: string }>`insert into click_unrolled (batch, lo, hi, at)
    select batch, lo, hi, ${at} from (${unnest([col(runs, 'bigint', (r) => r.batch), col(runs, 'integer', (r) => r.lo), col(runs, 'integer', (r) => r.hi)])}) as u (batch, lo, hi)
    returning id`.execute(trx);
  return rows.map((r) => Number(r.id));
}

/** Thrown inside a fold's transaction to roll it back: a marker was gone. */
class MarkerTaken extends Error {}

/**
 * PostgreSQL ingestion in a few round trips inside the transaction: the dictionary misses (one
 * statement for all dictionaries), the raw rows (unnest), then the markers, or every rollup in one statement.
 */
export function createPostgresStore(db: Kysely<object>): ClickStore {
  const dictionaries = createDictionaries();
  let dottedLegacy: Promise<boolean> | undefined;
  const readDottedLegacy = () => {
    dottedLegacy ??= sql<{ value: string }>`select value from analytics_meta where key = 'legacy_dotted_ids'`
      .execute(db)
      .then((r) => r.rows[0]?.value === '1');
    dottedLegacy.catch(() => (dottedLegacy = undefined));
    return dottedLegacy;
  };

  return {
    async store(events, deferred) {
      const dotted = await readDottedLegacy();
      const scope = dictionaries.begin();
      const result = await db.transaction().execute(async (trx) => {
        await resolveDictionaries(trx, scope, events);
        const rows = await storeRaw(trx, rawRows(scope, events, dotted));
        const stored: StoredClick[] = rows.map((r) => ({ event: r.event, link: r.link, visitor: r.visitor }));
        if (deferred) return { stored, markers: await addMarkers(trx, rows) };
        const sum = createRollupTally<number, number>();
        for (const click of stored) sum.add(click.event, click.link, click.visitor);
        if (stored.length > 0) await writeRollup(trx, sum.rows());
        return { stored, markers: [] as number[] };
      });
      scope.committed();
      return result;
    },
    async fold(markers, rollup) {
      try {
        await db.transaction().execute(async (trx) => {
          const { rows } = await sql`delete from click_unrolled where id = any(${markers}::bigint[]) returning id`.execute(trx);
          if (rows.length !== markers.length) throw new MarkerTaken();
          await writeRollup(trx, rollup);
        });
        return true;
      } catch (error) {
        if (error instanceof MarkerTaken) return false;
        throw error;
      }
    },
    async markers() {
      const { rows } = await sql<{ id: string; at: string }>`select id, at from click_unrolled`.execute(db);
      return rows.map((r) => ({ id: Number(r.id), at: Number(r.at) }));
    },
    async clicksOf(markers) {
      const { rows } = await sql<ClickRow>`select ${sql.raw(CLICK_COLUMNS)} where m.id = any(${markers}::bigint[])`.execute(db);
      return rows.map(clickOfRow);
    },
  };
}
