import { DAY_MS } from '../src/modules/analytics/analytics.enrich.ts';
import { dailyUniques, floorTo, rollupOf } from '../src/modules/analytics/analytics.rollup.ts';
import type { ClickEvent } from '../src/modules/analytics/index.ts';
import { CLICKED_LINKS, DAYS, SCALE, linkEvents, scaleEventId, scaleLinkId, type Executor } from './scale.seed.ts';

// Links whose seeded rollup rows are compared with what ingestion makes of their seeded events:
// the first and last day of two hot links, the first warm link (the bench owner's) and the last
// (another owner's).
const SAMPLES: [link: number, day: number][] = [
  [0, 0],
  [SCALE.hotLinks - 1, DAYS - 1],
  [SCALE.hotLinks, 0],
  [CLICKED_LINKS - 1, 0],
];

/** Rows as sorted strings, so two sets of rows compare with one `===` (PostgreSQL reads bigints as strings). */
const canon = (rows: readonly object[], keys: readonly string[]) =>
  rows
    .map((r) => keys.map((k) => String((r as Record<string, unknown>)[k])).join('|'))
    .sort()
    .join('\n');

/**
 * Reads back the sampled links' raw events, runs them through the product's own rollup
 * (rollupOf, dailyUniques: what ingestion writes) and compares the result with the seeded
 * click_hourly, click_dimensions, click_visitors, click_daily_unique and click_links rows.
 * Returns one line per disagreement.
 */
export async function checkSamples(exec: Executor): Promise<string[]> {
  const problems: string[] = [];
  for (const [link, day] of SAMPLES) {
    const { first, last, wholeLink } = linkEvents(link, day);
    const rows = await exec.query(`SELECT * FROM click_events WHERE id >= '${scaleEventId(first)}' AND id <= '${scaleEventId(last)}'`);
    const linkId = scaleLinkId(link);
    const label = wholeLink ? `link ${linkId}` : `link ${linkId} day ${day}`;
    if (rows.length !== last - first + 1 || rows.some((r) => r.link_id !== linkId)) {
      problems.push(`${label}: ${rows.length} events read back, expected ${last - first + 1} of that link`);
      continue;
    }
    const events: ClickEvent[] = rows.map((r) => ({
      id: String(r.id),
      linkId: String(r.link_id),
      ownerId: String(r.owner_id),
      code: String(r.code),
      at: Number(r.at),
      referrer: r.referrer as string | null,
      userAgent: r.user_agent as string | null,
      visitor: r.visitor as string | null,
      country: r.country as string | null,
    }));
    const rollup = rollupOf(events);
    // The seeded rows to compare: all of a whole link's, else those of the sampled day.
    const from = wholeLink ? 0 : floorTo(Math.min(...events.map((e) => e.at)), DAY_MS);
    const to = wholeLink ? Number.MAX_SAFE_INTEGER : from + DAY_MS - 1;
    const compare = async (table: string, keys: string[], expected: readonly object[], time?: string) => {
      const range = time ? ` AND ${time} >= ${from} AND ${time} <= ${to}` : '';
      const seeded = await exec.query(`SELECT ${keys.join(', ')} FROM ${table} WHERE link_id = '${linkId}'${range}`);
      if (canon(seeded, keys) !== canon(expected, keys)) {
        problems.push(`${label}: its ${seeded.length} rows of ${table} differ from the ${expected.length} ingestion writes`);
      }
    };
    await compare('click_hourly', ['hour', 'humans', 'bots'], rollup.hourly, 'hour');
    await compare('click_dimensions', ['hour', 'dimension', 'value', 'count'], rollup.dimensions, 'hour');
    await compare('click_visitors', ['day', 'visitor'], rollup.visitors, 'day');
    await compare('click_daily_unique', ['day', 'visitors'], dailyUniques(rollup.visitors), 'day');
    if (wholeLink) await compare('click_links', ['owner_id', 'code', 'humans', 'bots'], rollup.links);
  }
  return problems;
}
