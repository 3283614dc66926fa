import type { ClickEvent } from './analytics.port.ts';
import type { Dimension } from './analytics.dimensions.ts';
import { DAY_MS, HOUR_MS, classifyAgent, dimensionsOf } from './analytics.enrich.ts';

/** What a batch of new events adds to each rollup table, already summed per key. */
export interface Rollup {
  hourly: { link_id: string; hour: number; humans: number; bots: number }[];
  /** `count` is the human clicks, `bots` the bot clicks (as in every rollup table). */
  dimensions: { link_id: string; hour: number; dimension: Dimension; value: string; count: number; bots: number }[];
  /** Candidate (link, day, visitor) rows; those not seen before become daily uniques, human or bot. */
  visitors: { link_id: string; day: number; visitor: string; isBot: boolean }[];
  links: { link_id: string; owner_id: string; code: string; humans: number; bots: number }[];
  owners: { owner_id: string; humans: number; bots: number }[];
}

export const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit;

/** Sums into `map` under `key`, creating the row with `make` the first time. */
function tally<R>(map: Map<string, R>, key: string, make: () => R): R {
  let row = map.get(key);
  if (!row) map.set(key, (row = make()));
  return row;
}

export function rollupOf(events: readonly ClickEvent[]): Rollup {
  const hourly = new Map<string, Rollup['hourly'][number]>();
  const dimensions = new Map<string, Rollup['dimensions'][number]>();
  const visitors = new Map<string, Rollup['visitors'][number]>();
  const links = new Map<string, Rollup['links'][number]>();
  const owners = new Map<string, Rollup['owners'][number]>();
  for (const event of events) {
    const { linkId: link_id, ownerId: owner_id } = event;
    const hour = floorTo(event.at, HOUR_MS);
    const agent = classifyAgent(event.userAgent);
    const key = `${link_id}|${hour}`;
    const hourRow = tally(hourly, key, () => ({ link_id, hour, humans: 0, bots: 0 }));
    const linkRow = tally(links, link_id, () => ({ link_id, owner_id, code: event.code, humans: 0, bots: 0 }));
    const ownerRow = tally(owners, owner_id, () => ({ owner_id, humans: 0, bots: 0 }));
    const kind = agent.isBot ? 'bots' : 'humans';
    hourRow[kind]++;
    linkRow[kind]++;
    ownerRow[kind]++;
    for (const { dimension, value } of dimensionsOf(event, agent)) {
      tally(dimensions, `${key}|${dimension}|${value}`, () => ({ link_id, hour, dimension, value, count: 0, bots: 0 }))[agent.isBot ? 'bots' : 'count']++;
    }
    const { visitor } = event;
    if (visitor) {
      const day = floorTo(event.at, DAY_MS);
      // A visitor hash covers the agent, so one hash is always a bot or always a human.
      tally(visitors, `${link_id}|${day}|${visitor}`, () => ({ link_id, day, visitor, isBot: agent.isBot }));
    }
  }
  const values = <R>(map: Map<string, R>) => [...map.values()];
  return { hourly: values(hourly), dimensions: values(dimensions), visitors: values(visitors), links: values(links), owners: values(owners) };
}

/** New (link, day) visitor rows counted per link and day: the increments of click_daily_unique (humans in `visitors`). */
export function dailyUniques(newVisitors: Iterable<{ link_id: string; day: number; isBot: boolean }>) {
  const counts = new Map<string, { link_id: string; day: number; visitors: number; bots: number }>();
  for (const { link_id, day, isBot } of newVisitors) {
    tally(counts, `${link_id}|${day}`, () => ({ link_id, day, visitors: 0, bots: 0 }))[isBot ? 'bots' : 'visitors']++;
  }
  return [...counts.values()];
}
