import pg from 'pg';
import { openDatabase } from '../src/common/db.ts';
import type { DbKind } from '../test/contract/database.ts';
import { CHROME_UA } from './codes.ts';

// The shape of the large data set. Most clicks sit on a few hot links; the owner whose stats
// are read holds a tenth of all links, the rest belong to a thousand other owners.
export const SCALE = {
  links: 1_000_000,
  ownerLinks: 100_000,
  hotLinks: 10,
  hours: 720,
  hotPerHour: 1_250,
  hotVisitorsPerDay: 3_000,
  warmLinks: 100_000,
  warmClicks: 10,
  warmVisitors: 5,
} as const;
const OTHER_OWNERS = 1_000;
const HOT_PER_LINK = SCALE.hours * SCALE.hotPerHour;
const HOT_CLICKS = SCALE.hotLinks * HOT_PER_LINK;
export const TOTAL_CLICKS = HOT_CLICKS + SCALE.warmLinks * SCALE.warmClicks;
/** The owner's clicks: every hot link, and the warm links that fall in the owner's range. */
export const OWNER_CLICKS = HOT_CLICKS + (SCALE.ownerLinks - SCALE.hotLinks) * SCALE.warmClicks;
export const HOT_LINK_CLICKS = HOT_PER_LINK;
export const DAYS = SCALE.hours / 24;
/** A hot link's unique visitors over the whole range: every visitor comes back each day, under that day's hash. */
export const HOT_LINK_UNIQUE = DAYS * SCALE.hotVisitorsPerDay;
/** Rows of click_visitors, and the sum of click_daily_unique: a hot link's visitors every day, a warm link's on its one day. */
export const TOTAL_VISITORS = SCALE.hotLinks * HOT_LINK_UNIQUE + SCALE.warmLinks * SCALE.warmVisitors;
/** Links with at least one click: the rows of click_links. */
export const CLICKED_LINKS = SCALE.hotLinks + SCALE.warmLinks;
/** Owners with at least one click, the rows of click_owners: the bench's, and those of the warm links past its range. */
const CLICKED_OWNERS = new Set(Array.from({ length: CLICKED_LINKS }, (_, l) => (l < SCALE.ownerLinks ? -1 : l % OTHER_OWNERS))).size;

const HOUR = 3_600_000;
const DAY = 86_400_000;
export const scaleCode = (n: number) => `s${String(n).padStart(7, '0')}`;
export const scaleLinkId = (n: number) => `sl${String(n).padStart(7, '0')}`;
/** The id of seeded event number n: ids follow n, so a link's events are one range of the primary key. */
export const scaleEventId = (n: number) => `se${String(n).padStart(8, '0')}`;

/**
 * The event numbers [first, last] of one link's clicks: a whole warm link, or one day of a hot link
 * (which has a day's hours, dimensions, visitors and daily uniques whole, but not its link total).
 */
export function linkEvents(link: number, day = 0): { first: number; last: number; wholeLink: boolean } {
  if (link < SCALE.hotLinks) {
    const first = link * HOT_PER_LINK + day * 24 * SCALE.hotPerHour;
    return { first, last: first + 24 * SCALE.hotPerHour - 1, wholeLink: false };
  }
  const first = HOT_CLICKS + (link - SCALE.hotLinks) * SCALE.warmClicks;
  return { first, last: first + SCALE.warmClicks - 1, wholeLink: true };
}

interface Sql {
  with: string;
  series(from: number, to: number): string;
  pad(expr: string, width: number): string;
}
const dialects: Record<DbKind, Sql> = {
  sqlite: {
    with: 'WITH RECURSIVE',
    series: (a, b) => `s(n) AS (SELECT ${a} UNION ALL SELECT n + 1 FROM s WHERE n < ${b})`,
    pad: (e, w) => `printf('%0${w}d', ${e})`,
  },
  postgres: {
    with: 'WITH',
    series: (a, b) => `s(n) AS (SELECT generate_series(${a}::bigint, ${b}::bigint))`,
    pad: (e, w) => `lpad((${e})::text, ${w}, '0')`,
  },
};

/** How many of 0..total-1 are ≡ r (mod m): the seed picks referrer and country by k mod 4 and 3. */
const residues = (total: number, m: number, r: number) => (r < total ? Math.floor((total - 1 - r) / m) + 1 : 0);

function breakdown(t: number): [string, string, number][] {
  return [
    ['referrer', 'direct', residues(t, 4, 0) + residues(t, 4, 1)],
    ['referrer', 'news.ycombinator.com', residues(t, 4, 2)],
    ['referrer', 't.co', residues(t, 4, 3)],
    ['browser', 'Chrome', t],
    ['os', 'Windows', t],
    ['device', 'desktop', t],
    ['country', 'US', residues(t, 3, 0)],
    ['country', 'DE', residues(t, 3, 1)],
    ['country', 'unknown', residues(t, 3, 2)],
  ];
}

export interface Step {
  label: string;
  rows: number;
  sql: string;
}

/**
 * Every statement of the seed, chunked for the progress bar. Raw events are generated from a
 * row number; the rollups are their exact sums, written directly rather than aggregated back from
 * the events (only click_owners is summed, from the 100,010 rows of click_links).
 */
export function seedSteps(db: DbKind, ownerId: string, base: number): Step[] {
  const q = dialects[db];
  const link = (e: string) => `'sl' || ${q.pad(e, 7)}`;
  const code = (e: string) => `'s' || ${q.pad(e, 7)}`;
  const owner = (e: string) => `CASE WHEN ${e} < ${SCALE.ownerLinks} THEN '${ownerId}' ELSE 'scale-owner-' || (${e} % ${OTHER_OWNERS}) END`;
  const chunked = (label: string, total: number, size: number, body: (a: number, b: number) => string): Step[] =>
    Array.from({ length: Math.ceil(total / size) }, (_, i) => {
      const a = i * size;
      const b = Math.min(total, a + size) - 1;
      return { label, rows: b - a + 1, sql: `${q.with} ${q.series(a, b)}${body(a, b)}` };
    });
  const hot = HOT_CLICKS;
  const warmLink = `(${SCALE.hotLinks} + (n - ${hot}) / ${SCALE.warmClicks})`;
  const dims = [SCALE.hotPerHour, SCALE.warmClicks].flatMap((t) => breakdown(t).filter(([, , c]) => c > 0).map(([d, v, c]) => `(${t}, '${d}', '${v}', ${c})`));
  return [
    ...chunked('links', SCALE.links, 100_000, () => `
      INSERT INTO links (id, code, owner_id, url, title, created_at, updated_at, expires_at, max_clicks, password_hash, redirect_type)
      SELECT ${link('n')}, ${code('n')}, ${owner('n')}, 'https://example.com/s/' || n, NULL, ${base} + n, ${base} + n, NULL, NULL, NULL, 302 FROM s`),
    ...chunked('click_events', TOTAL_CLICKS, 500_000, () => `,
      e AS (SELECT n,
        CASE WHEN n < ${hot} THEN n / ${HOT_PER_LINK} ELSE ${warmLink} END AS l,
        CASE WHEN n < ${hot} THEN (n % ${HOT_PER_LINK}) / ${SCALE.hotPerHour} ELSE ${warmLink} % ${SCALE.hours} END AS h,
        CASE WHEN n < ${hot} THEN n % ${SCALE.hotPerHour} ELSE (n - ${hot}) % ${SCALE.warmClicks} END AS k,
        CASE WHEN n < ${hot} THEN (n % ${HOT_PER_LINK}) % ${SCALE.hotVisitorsPerDay} ELSE (n - ${hot}) % ${SCALE.warmVisitors} END AS v,
        CASE WHEN n < ${hot} THEN ${HOUR / SCALE.hotPerHour} ELSE 1000 END AS step
      FROM s)
      INSERT INTO click_events (id, link_id, owner_id, code, at, referrer, user_agent, visitor, country, is_bot)
      SELECT 'se' || ${q.pad('n', 8)}, ${link('l')}, ${owner('l')}, ${code('l')}, ${base} + h * ${HOUR} + k * step,
        CASE k % 4 WHEN 2 THEN 'https://news.ycombinator.com/' WHEN 3 THEN 'https://t.co/' END,
        '${CHROME_UA}', ${q.pad('v', 64)}, CASE k % 3 WHEN 0 THEN 'US' WHEN 1 THEN 'DE' END, 0
      FROM e`),
    ...chunked('click_hourly', SCALE.hotLinks * SCALE.hours, 1e9, () => `
      INSERT INTO click_hourly (link_id, hour, humans, bots)
      SELECT ${link(`n / ${SCALE.hours}`)}, ${base} + (n % ${SCALE.hours}) * ${HOUR}, ${SCALE.hotPerHour}, 0 FROM s`),
    ...chunked('click_hourly', SCALE.warmLinks, 1e9, () => `
      , w AS (SELECT n + ${SCALE.hotLinks} AS l FROM s)
      INSERT INTO click_hourly (link_id, hour, humans, bots)
      SELECT ${link('l')}, ${base} + (l % ${SCALE.hours}) * ${HOUR}, ${SCALE.warmClicks}, 0 FROM w`),
    {
      label: 'click_dimensions',
      rows: (SCALE.hotLinks * SCALE.hours + SCALE.warmLinks) * breakdown(SCALE.warmClicks).length,
      sql: `WITH d(t, dimension, value, c) AS (VALUES ${dims.join(', ')})
        INSERT INTO click_dimensions (link_id, hour, dimension, value, count)
        SELECT h.link_id, h.hour, d.dimension, d.value, d.c FROM click_hourly h JOIN d ON d.t = h.humans`,
    },
    ...chunked('click_visitors', SCALE.hotLinks * HOT_LINK_UNIQUE, 1e9, () => `
      INSERT INTO click_visitors (link_id, day, visitor)
      SELECT ${link(`n / ${HOT_LINK_UNIQUE}`)}, ${base} + ((n % ${HOT_LINK_UNIQUE}) / ${SCALE.hotVisitorsPerDay}) * ${DAY},
        ${q.pad(`n % ${SCALE.hotVisitorsPerDay}`, 64)} FROM s`),
    ...chunked('click_visitors', SCALE.warmLinks * SCALE.warmVisitors, 1e9, () => `
      , w AS (SELECT ${SCALE.hotLinks} + n / ${SCALE.warmVisitors} AS l, n % ${SCALE.warmVisitors} AS v FROM s)
      INSERT INTO click_visitors (link_id, day, visitor)
      SELECT ${link('l')}, ${base} + ((l % ${SCALE.hours}) / 24) * ${DAY}, ${q.pad('v', 64)} FROM w`),
    // Daily uniques: a hot link's visitors on each of its days, a warm link's on the day of its one hour.
    ...chunked('click_daily_unique', SCALE.hotLinks * DAYS, 1e9, () => `
      INSERT INTO click_daily_unique (link_id, day, visitors)
      SELECT ${link(`n / ${DAYS}`)}, ${base} + (n % ${DAYS}) * ${DAY}, ${SCALE.hotVisitorsPerDay} FROM s`),
    ...chunked('click_daily_unique', SCALE.warmLinks, 1e9, () => `
      , w AS (SELECT n + ${SCALE.hotLinks} AS l FROM s)
      INSERT INTO click_daily_unique (link_id, day, visitors)
      SELECT ${link('l')}, ${base} + ((l % ${SCALE.hours}) / 24) * ${DAY}, ${SCALE.warmVisitors} FROM w`),
    // All-time totals of every clicked link (never-clicked links have no row, as after ingestion).
    ...chunked('click_links', CLICKED_LINKS, 1e9, () => `
      INSERT INTO click_links (link_id, owner_id, code, humans, bots)
      SELECT ${link('n')}, ${owner('n')}, ${code('n')},
        CASE WHEN n < ${SCALE.hotLinks} THEN ${HOT_PER_LINK} ELSE ${SCALE.warmClicks} END, 0 FROM s`),
    {
      label: 'click_owners',
      rows: CLICKED_OWNERS,
      sql: `INSERT INTO click_owners (owner_id, humans) SELECT owner_id, sum(humans) FROM click_links GROUP BY owner_id`,
    },
  ];
}

export type Executor = Awaited<ReturnType<typeof openExecutor>>;

/** Runs statements one transaction each: better-sqlite3 for SQLite, a plain pg client for PostgreSQL. */
export async function openExecutor(db: DbKind, url: string) {
  if (db === 'sqlite') {
    const database = openDatabase(url);
    const sqlite = database.sqlite!;
    return {
      query: async (text: string) => sqlite.prepare(text).all() as Record<string, unknown>[],
      run: async (text: string) => void sqlite.exec(`BEGIN; ${text}; COMMIT;`),
      close: () => database.close(),
    };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // A bulk load, not a click: durability of each chunk's commit does not matter here.
  await client.query('SET synchronous_commit = off');
  return {
    query: async (text: string) => (await client.query(text)).rows as Record<string, unknown>[],
    run: async (text: string) => void (await client.query(text)),
    close: () => client.end(),
  };
}
