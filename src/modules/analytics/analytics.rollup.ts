import type { ClickEvent } from './analytics.port.ts';
import { DIMENSIONS, type Dimension } from './analytics.dimensions.ts';
import { DAY_MS, EXTRACTORS, HOUR_MS, classifyAgent } from './analytics.enrich.ts';

/**
 * What some new clicks add to each rollup table, summed per key. `L` is how a link is named in
 * the per-hour and per-day tables (its dictionary id when stored, its text id elsewhere) and `V`
 * how a visitor is; click_links and click_owners keep the text ids they are asked by.
 */
export interface Rollup<L = string, V = string> {
  hourly: { link: L; hour: number; humans: number; bots: number }[];
  /** `count` is the human clicks, `bots` the bot clicks (as in every rollup table). */
  dimensions: { link: L; hour: number; dimension: Dimension; value: string; count: number; bots: number }[];
  /** Candidate (link, day, visitor) rows; those not seen before become daily uniques, human or bot. */
  visitors: { link: L; day: number; visitor: V; isBot: boolean }[];
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

/** A link's counts in one hour: totals, and per breakdown (DIMENSIONS order) its values' counts. */
interface HourSum {
  humans: number;
  bots: number;
  values: (Map<string, { count: number; bots: number }> | undefined)[];
}

/** Everything a tally holds of one link: its text ids, totals, hours and each day's visitors. */
interface LinkSum<V> {
  link_id: string;
  owner_id: string;
  code: string;
  humans: number;
  bots: number;
  hours: Map<number, HourSum>;
  days: Map<number, Map<V, boolean>>;
}

/**
 * A rollup summed click by click: what a batch adds, or what a whole window of batches adds when
 * the rollups are written once per window (analytics.rollup-window.ts). Sums are nested by link,
 * hour and breakdown, so a click costs a few lookups of numbers and of strings already made (no
 * key is built per click); owners are summed from their links at the end. `keys` is about how
 * many rows writing it would touch.
 */
export function createRollupTally<L extends string | number = string, V extends string | number = string>() {
  const links = new Map<L, LinkSum<V>>();
  let clicks = 0;
  let keys = 0;

  function linkSum(event: ClickEvent, link: L): LinkSum<V> {
    let sum = links.get(link);
    if (!sum) {
      sum = { link_id: event.linkId, owner_id: event.ownerId, code: event.code, humans: 0, bots: 0, hours: new Map(), days: new Map() };
      links.set(link, sum);
      keys += 2;
    }
    return sum;
  }

  function hourSum(sum: LinkSum<V>, hour: number): HourSum {
    let hourly = sum.hours.get(hour);
    if (!hourly) {
      hourly = { humans: 0, bots: 0, values: [] };
      sum.hours.set(hour, hourly);
      keys++;
    }
    return hourly;
  }

  return {
    /** One click, its link and visitor named as this tally names them. */
    add(event: ClickEvent, link: L, visitor: V | null): void {
      clicks++;
      const agent = classifyAgent(event.userAgent);
      const bot = agent.isBot;
      const sum = linkSum(event, link);
      const hourly = hourSum(sum, floorTo(event.at, HOUR_MS));
      if (bot) {
        sum.bots++;
        hourly.bots++;
      } else {
        sum.humans++;
        hourly.humans++;
      }
      for (let i = 0; i < EXTRACTORS.length; i++) {
        const value = EXTRACTORS[i]!(event, agent);
        if (value === null) continue;
        const values = (hourly.values[i] ??= new Map());
        let counted = values.get(value);
        if (!counted) {
          values.set(value, (counted = { count: 0, bots: 0 }));
          keys++;
        }
        if (bot) counted.bots++;
        else counted.count++;
      }
      if (visitor !== null) {
        const day = floorTo(event.at, DAY_MS);
        let seen = sum.days.get(day);
        if (!seen) sum.days.set(day, (seen = new Map()));
        // A visitor hash covers the agent, so one hash is always a bot or always a human.
        if (!seen.has(visitor)) {
          seen.set(visitor, bot);
          keys++;
        }
      }
    },
    get clicks(): number {
      return clicks;
    },
    get keys(): number {
      return keys;
    },
    rows(): Rollup<L, V> {
      const rollup: Rollup<L, V> = { hourly: [], dimensions: [], visitors: [], links: [], owners: [] };
      const owners = new Map<string, Rollup['owners'][number]>();
      for (const [link, sum] of links) {
        const { link_id, owner_id, code, humans, bots } = sum;
        rollup.links.push({ link_id, owner_id, code, humans, bots });
        const owner = tally(owners, owner_id, () => ({ owner_id, humans: 0, bots: 0 }));
        owner.humans += humans;
        owner.bots += bots;
        for (const [hour, hourly] of sum.hours) {
          rollup.hourly.push({ link, hour, humans: hourly.humans, bots: hourly.bots });
          hourly.values.forEach((values, i) => {
            for (const [value, counted] of values ?? []) rollup.dimensions.push({ link, hour, dimension: DIMENSIONS[i]!.name, value, ...counted });
          });
        }
        for (const [day, seen] of sum.days) for (const [visitor, isBot] of seen) rollup.visitors.push({ link, day, visitor, isBot });
      }
      rollup.owners = [...owners.values()];
      return rollup;
    },
  };
}

/** The rollup of some events, links and visitors by their text ids. */
export function rollupOf(events: readonly ClickEvent[]): Rollup {
  const sum = createRollupTally();
  for (const event of events) sum.add(event, event.linkId, event.visitor ?? null);
  return sum.rows();
}

/** New (link, day) visitor rows counted per link and day: the increments of click_daily_unique (humans in `visitors`). */
export function dailyUniques<L extends string | number>(newVisitors: Iterable<{ link: L; day: number; isBot: boolean }>) {
  const counts = new Map<string, { link: L; day: number; visitors: number; bots: number }>();
  for (const { link, day, isBot } of newVisitors) {
    tally(counts, `${link}|${day}`, () => ({ link, day, visitors: 0, bots: 0 }))[isBot ? 'bots' : 'visitors']++;
  }
  return [...counts.values()];
}
