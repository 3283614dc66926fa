import { sql, type Transaction } from 'kysely';
import type { DictionaryScope } from './analytics.dictionary.ts';
import type { ClickEvent } from './analytics.port.ts';
import { rollupOf } from './analytics.rollup.ts';
import { col, unnest } from './analytics.postgres-unnest.ts';

/**
 * Every rollup of the inserted events in one statement of data-modifying CTEs, one row per key.
 * The daily uniques count the click_uniques rows that statement really inserted.
 */
export async function addRollup(trx: Transaction<object>, scope: DictionaryScope, inserted: readonly ClickEvent[]): Promise<void> {
  const { hourly, dimensions, visitors, links, owners } = rollupOf(inserted);
  await sql`with
    hourly as (insert into click_hourly (link_id, hour, humans, bots)
      ${unnest([col(hourly, 'text', (h) => h.link_id), col(hourly, 'bigint', (h) => h.hour), col(hourly, 'bigint', (h) => h.humans), col(hourly, 'bigint', (h) => h.bots)])}
      on conflict (link_id, hour) do update set humans = click_hourly.humans + excluded.humans, bots = click_hourly.bots + excluded.bots),
    dimensions as (insert into click_dimensions (link_id, hour, dimension, value, count)
      ${unnest([col(dimensions, 'text', (d) => d.link_id), col(dimensions, 'bigint', (d) => d.hour), col(dimensions, 'text', (d) => d.dimension), col(dimensions, 'text', (d) => d.value), col(dimensions, 'bigint', (d) => d.count)])}
      on conflict (link_id, hour, dimension, value) do update set count = click_dimensions.count + excluded.count),
    fresh as (insert into click_uniques (link, day, visitor)
      ${unnest([col(visitors, 'bigint', (v) => scope.get('links', v.link_id)), col(visitors, 'bigint', (v) => v.day), col(visitors, 'bigint', (v) => scope.get('visitors', v.visitor))])}
      on conflict do nothing returning link, day),
    uniques as (insert into click_daily_unique (link_id, day, visitors)
      select k.link_id, f.day, count(*) from fresh f join click_link_keys k on k.id = f.link group by k.link_id, f.day
      on conflict (link_id, day) do update set visitors = click_daily_unique.visitors + excluded.visitors),
    links as (insert into click_links (link_id, owner_id, code, humans, bots)
      ${unnest([col(links, 'text', (l) => l.link_id), col(links, 'text', (l) => l.owner_id), col(links, 'text', (l) => l.code), col(links, 'bigint', (l) => l.humans), col(links, 'bigint', (l) => l.bots)])}
      on conflict (link_id) do update set humans = click_links.humans + excluded.humans, bots = click_links.bots + excluded.bots),
    owners as (insert into click_owners (owner_id, humans)
      ${unnest([col(owners, 'text', (o) => o.owner_id), col(owners, 'bigint', (o) => o.humans)])}
      on conflict (owner_id) do update set humans = click_owners.humans + excluded.humans)
    select 1`.execute(trx);
}
