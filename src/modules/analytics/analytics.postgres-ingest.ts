import { sql, type Kysely, type Transaction } from 'kysely';
import { createDictionaries, type DictionaryScope } from './analytics.dictionary.ts';
import { classifyAgent } from './analytics.enrich.ts';
import { mayBeLegacy, splitEventId } from './analytics.event-id.ts';
import type { ClickEvent } from './analytics.port.ts';
import { resolveDictionaries } from './analytics.postgres-dictionary.ts';
import { addRollup } from './analytics.postgres-rollup.ts';
import { col, unnest } from './analytics.postgres-unnest.ts';

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
      legacy: mayBeLegacy(e.id, dottedLegacy) ? e.id : null,
    };
  });
}

type RawRow = ReturnType<typeof rawRows>[number];

/** Inserts the rows not stored before (nor, for an old id, in click_events); returns their events. */
async function storeRaw(trx: Transaction<object>, rows: readonly RawRow[]): Promise<ClickEvent[]> {
  const stored = await sql<{ batch: string; seq: number }>`
    insert into click_raw (batch, seq, link, at, referrer, agent, visitor, country, is_bot)
    select batch, seq, link, at, referrer, agent, visitor, country, is_bot
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
      col(rows, 'text', (r) => r.legacy),
    ])}) as u (batch, seq, link, at, referrer, agent, visitor, country, is_bot, legacy)
    where legacy is null or not exists (select 1 from click_events e where e.id = u.legacy)
    on conflict do nothing returning batch, seq`.execute(trx);
  const keys = new Set(stored.rows.map((r) => `${r.batch}:${r.seq}`));
  return rows.filter((r) => keys.has(`${r.batch}:${r.seq}`)).map((r) => r.event);
}

/**
 * PostgreSQL ingestion in four round trips inside the transaction: the dictionary misses (one
 * statement for all dictionaries), the raw rows (unnest), then every rollup in one statement.
 */
export function createPostgresIngest(db: Kysely<object>) {
  const dictionaries = createDictionaries();
  let dottedLegacy: Promise<boolean> | undefined;
  const readDottedLegacy = () => {
    dottedLegacy ??= sql<{ value: string }>`select value from analytics_meta where key = 'legacy_dotted_ids'`
      .execute(db)
      .then((r) => r.rows[0]?.value === '1');
    dottedLegacy.catch(() => (dottedLegacy = undefined));
    return dottedLegacy;
  };

  return async (events: readonly ClickEvent[]): Promise<ClickEvent[]> => {
    const dotted = await readDottedLegacy();
    const scope = dictionaries.begin();
    const accepted = await db.transaction().execute(async (trx) => {
      await resolveDictionaries(trx, scope, events);
      const inserted = await storeRaw(trx, rawRows(scope, events, dotted));
      if (inserted.length > 0) await addRollup(trx, scope, inserted);
      return inserted;
    });
    scope.committed();
    return accepted;
  };
}
