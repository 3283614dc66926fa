import { sql, type RawBuilder, type Transaction } from 'kysely';
import { DICTIONARIES, DICTIONARY_NAMES, type DictionaryName, type DictionaryScope } from './analytics.dictionary.ts';
import { splitEventId } from './analytics.event-id.ts';
import type { ClickEvent } from './analytics.port.ts';
import { unnest } from './analytics.postgres-unnest.ts';

/** Keys the memory does not know, per dictionary; a link's key brings its owner and code. */
type Misses = Record<DictionaryName, Map<string, readonly [string, string] | undefined>>;

function missesOf(scope: DictionaryScope, events: readonly ClickEvent[]): Misses {
  const misses = Object.fromEntries(DICTIONARY_NAMES.map((n) => [n, new Map()])) as Misses;
  const need = (name: DictionaryName, key: string | null | undefined, link?: readonly [string, string]) => {
    if (key != null && scope.get(name, key) === undefined) misses[name].set(key, link);
  };
  for (const e of events) {
    need('batches', splitEventId(e.id).batch);
    need('links', e.linkId, [e.ownerId, e.code]);
    need('referrers', e.referrer);
    need('agents', e.userAgent);
    need('visitors', e.visitor);
  }
  return misses;
}

/** Two CTEs per dictionary (its input, its insert) and the select of every id, found or made. */
function lookupStatement(misses: Misses) {
  const ctes: RawBuilder<unknown>[] = [];
  const selects: RawBuilder<unknown>[] = [];
  DICTIONARY_NAMES.filter((n) => misses[n].size > 0).forEach((name, k) => {
    const { table, column } = DICTIONARIES[name];
    const keys = [...misses[name].keys()].sort();
    const [input, add, t, c] = [`in_${k}`, `add_${k}`, sql.table(table), sql.ref(column)];
    if (name === 'links') {
      const extra = keys.map((key) => misses.links.get(key)!);
      const columns = [keys, extra.map((x) => x[0]), extra.map((x) => x[1])].map((values) => ({ values, type: 'text' }));
      ctes.push(sql`${sql.raw(input)} (key, owner, code) as (${unnest(columns)})`);
      ctes.push(sql`${sql.raw(add)} as (insert into ${t} (link_id, owner_id, code) select key, owner, code from ${sql.raw(input)} order by key on conflict (link_id) do nothing returning id, link_id as key)`);
    } else {
      ctes.push(sql`${sql.raw(input)} (key) as (${unnest([{ values: keys, type: 'text' }])})`);
      ctes.push(sql`${sql.raw(add)} as (insert into ${t} (${c}) select key from ${sql.raw(input)} order by key on conflict (${c}) do nothing returning id, ${c} as key)`);
    }
    selects.push(sql`select ${name}::text as name, id, key from ${sql.raw(add)}`);
    selects.push(sql`select ${name}::text, d.id, d.${c} from ${t} d join ${sql.raw(input)} i on i.key = d.${c}`);
  });
  return sql<{ name: DictionaryName; id: string; key: string }>`with ${sql.join(ctes)} ${sql.join(selects, sql` union all `)}`;
}

/**
 * Puts the id of every text of the batch into the scope: one statement for all dictionaries'
 * misses, none when memory knows them all. A key another transaction inserted meanwhile is
 * invisible to this statement's snapshot, so what is missing is asked again.
 */
export async function resolveDictionaries(trx: Transaction<object>, scope: DictionaryScope, events: readonly ClickEvent[]): Promise<void> {
  const misses = missesOf(scope, events);
  for (let attempt = 0; DICTIONARY_NAMES.some((n) => misses[n].size > 0); attempt++) {
    if (attempt === 3) throw new Error('analytics: dictionary keys could not be resolved');
    const { rows } = await lookupStatement(misses).execute(trx);
    for (const { name, id, key } of rows) {
      scope.add(name, key, Number(id));
      misses[name].delete(key);
    }
  }
}
