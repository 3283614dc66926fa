import type { ClickEvent } from './analytics.port.ts';
import type { StoredClick } from './analytics.rollup-window.ts';

/** One marker's worth of raw clicks: a batch and a run of consecutive seqs in it. */
export interface Run {
  batch: number;
  lo: number;
  hi: number;
}

/**
 * The runs of consecutive seqs among stored keys, in order. A run holds only keys stored by this
 * call, never one skipped as a duplicate between them, so a run's raw rows are exactly its clicks.
 */
export function runsOf(keys: readonly { batch: number; seq: number }[]): Run[] {
  const collected = collectRuns();
  for (const { batch, seq } of keys) collected.add(batch, seq);
  return collected.runs;
}

/** runsOf, fed one stored key at a time (no object per key): `runs` grows as they come. */
export function collectRuns() {
  const runs: Run[] = [];
  let last: Run | undefined;
  return {
    runs,
    add(batch: number, seq: number): void {
      if (last && last.batch === batch && last.hi + 1 === seq) last.hi = seq;
      else runs.push((last = { batch, lo: seq, hi: seq }));
    },
  };
}

/** The columns of a marker's clicks read back from their raw rows, dictionaries joined (both dialects). */
export const CLICK_COLUMNS = `r.link, r.visitor, k.link_id, k.owner_id, k.code, r.at, f.referrer, a.user_agent, v.visitor as visitor_key, r.country, r.target
  from click_unrolled m
  join click_raw r on r.batch = m.batch and r.seq between m.lo and m.hi
  join click_link_keys k on k.id = r.link
  left join click_referrers f on f.id = r.referrer
  left join click_agents a on a.id = r.agent
  left join click_visitor_keys v on v.id = r.visitor`;

/** A raw row read back (CLICK_COLUMNS); PostgreSQL gives bigints as strings. */
export interface ClickRow {
  link: number | string;
  visitor: number | string | null;
  link_id: string;
  owner_id: string;
  code: string;
  at: number | string;
  referrer: string | null;
  user_agent: string | null;
  visitor_key: string | null;
  country: string | null;
  target: string | null;
}

/** What the rollup reads of a click, rebuilt from its raw row (its id is not needed). */
export function clickOfRow(row: ClickRow): StoredClick {
  const event: ClickEvent = {
    id: '',
    linkId: row.link_id,
    ownerId: row.owner_id,
    code: row.code,
    at: Number(row.at),
    referrer: row.referrer,
    userAgent: row.user_agent,
    visitor: row.visitor_key,
    country: row.country,
    target: row.target,
  };
  return { event, link: Number(row.link), visitor: row.visitor === null ? null : Number(row.visitor) };
}
