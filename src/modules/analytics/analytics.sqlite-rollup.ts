/**
 * The rollup upserts, one row per key of a batch: what a click adds to each table the stats read.
 * `link` is the link's dictionary id; click_links and click_owners keep the text ids they are asked by.
 */
export const ROLLUP_SQL = {
  hourly: `insert into click_hourly (link, hour, humans, bots) values (?, ?, ?, ?)
    on conflict (link, hour) do update set humans = humans + excluded.humans, bots = bots + excluded.bots`,
  dimension: `insert into click_dimensions (link, hour, dimension, value, count, bots) values (?, ?, ?, ?, ?, ?)
    on conflict (link, hour, dimension, value) do update set count = count + excluded.count, bots = bots + excluded.bots`,
  unique: 'insert into click_uniques (day, visitor, link) values (?, ?, ?) on conflict do nothing',
  dailyUnique: `insert into click_daily_unique (link, day, visitors, bots) values (?, ?, ?, ?)
    on conflict (link, day) do update set visitors = visitors + excluded.visitors, bots = bots + excluded.bots`,
  link: `insert into click_links (link_id, owner_id, code, humans, bots) values (?, ?, ?, ?, ?)
    on conflict (link_id) do update set humans = humans + excluded.humans, bots = bots + excluded.bots`,
  owner: `insert into click_owners (owner_id, humans, bots) values (?, ?, ?)
    on conflict (owner_id) do update set humans = humans + excluded.humans, bots = bots + excluded.bots`,
} as const;
