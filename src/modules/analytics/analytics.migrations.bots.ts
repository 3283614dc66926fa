import { sql, type Kysely } from 'kysely';
import { classifyAgent, dimensionsOf, DAY_MS, HOUR_MS } from './analytics.enrich.ts';

/**
 * 004: bots beside humans in every rollup the stats read, so `?bots=include|only` needs no scan of
 * raw clicks. click_dimensions.count, click_daily_unique.visitors and click_owners.humans stay the
 * human counts; each gains a `bots` column, filled from the raw clicks kept so far.
 */
export const botBreakdowns = {
  async up(db: Kysely<unknown>) {
    for (const table of ['click_dimensions', 'click_daily_unique', 'click_owners']) {
      await sql`alter table ${sql.table(table)} add column bots bigint not null default 0`.execute(db);
    }
    await backfillDimensions(db);
    await backfillUniques(db);
    // An owner whose clicks were all bots had no row.
    await sql`insert into click_owners (owner_id, humans, bots)
      select owner_id, 0, sum(bots) from click_links where bots > 0 group by owner_id
      on conflict (owner_id) do update set bots = excluded.bots`.execute(db);
  },
};

/** Bot clicks of the raw tables (click_raw, and click_events from before 003), one row per distinct agent, referrer and country an hour. */
async function backfillDimensions(db: Kysely<unknown>) {
  const { rows } = await sql<{ link: number | string; hour: number | string; agent: string | null; referrer: string | null; country: string | null; n: number | string }>`
    select link, hour, agent, referrer, country, count(*) as n from (
      select r.link as link, (r.at / ${sql.lit(HOUR_MS)}) * ${sql.lit(HOUR_MS)} as hour, a.user_agent as agent, f.referrer as referrer, r.country as country
        from click_raw r left join click_agents a on a.id = r.agent left join click_referrers f on f.id = r.referrer where r.is_bot = 1
      union all
      select k.id, (e.at / ${sql.lit(HOUR_MS)}) * ${sql.lit(HOUR_MS)}, e.user_agent, e.referrer, e.country
        from click_events e join click_link_keys k on k.link_id = e.link_id where e.is_bot = 1
    ) b group by link, hour, agent, referrer, country`.execute(db);
  const sums = new Map<string, { link: number; hour: number; dimension: string; value: string; bots: number }>();
  for (const row of rows) {
    const event = { id: '', linkId: '', ownerId: '', code: '', at: Number(row.hour), referrer: row.referrer, userAgent: row.agent, country: row.country };
    for (const { dimension, value } of dimensionsOf(event, classifyAgent(row.agent))) {
      const key = `${row.link}|${row.hour}|${dimension}|${value}`;
      const sum = sums.get(key) ?? { link: Number(row.link), hour: Number(row.hour), dimension, value, bots: 0 };
      sum.bots += Number(row.n);
      sums.set(key, sum);
    }
  }
  const all = [...sums.values()];
  for (let i = 0; i < all.length; i += 500) {
    const values = all.slice(i, i + 500).map((d) => sql`(${d.link}, ${d.hour}, ${d.dimension}, ${d.value}, 0, ${d.bots})`);
    await sql`insert into click_dimensions (link, hour, dimension, value, count, bots) values ${sql.join(values)}
      on conflict (link, hour, dimension, value) do update set bots = excluded.bots`.execute(db);
  }
}

/** Each day's distinct bot visitors, and click_uniques rows for them so a visitor seen today is not counted twice. */
async function backfillUniques(db: Kysely<unknown>) {
  await sql`insert into click_daily_unique (link, day, visitors, bots)
    select link, day, 0, count(*) from (
      select r.link as link, (r.at / ${sql.lit(DAY_MS)}) * ${sql.lit(DAY_MS)} as day, v.visitor as visitor
        from click_raw r join click_visitor_keys v on v.id = r.visitor where r.is_bot = 1
      union
      select k.id, (e.at / ${sql.lit(DAY_MS)}) * ${sql.lit(DAY_MS)}, e.visitor
        from click_events e join click_link_keys k on k.link_id = e.link_id where e.is_bot = 1 and e.visitor is not null
    ) b where true group by link, day
    on conflict (link, day) do update set bots = excluded.bots`.execute(db);
  await sql`insert into click_uniques (day, visitor, link)
    select distinct (at / ${sql.lit(DAY_MS)}) * ${sql.lit(DAY_MS)}, visitor, link from click_raw where is_bot = 1 and visitor is not null
    on conflict do nothing`.execute(db);
}
