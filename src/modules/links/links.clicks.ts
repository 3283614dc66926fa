import type { ClickTotals } from './links.port.ts';

/** After a full wait failed, later calls wait this long at most, for STRUGGLING_PAUSE_MS. */
const STRUGGLING_BOUND_MS = 100;
const STRUGGLING_PAUSE_MS = 10_000;

/** Click totals by link id, or null when they are unknown right now. */
export type BoundedTotals = (linkIds: readonly string[]) => Promise<Map<string, number> | null>;

/**
 * Analytics' totals, or null when it fails or is slower than `timeoutMs`: links never wait on
 * analytics, and never fail because of it. After a failure, calls wait only briefly for a while
 * (a slow analytics gets a full wait again after the pause), so an outage costs each listing
 * 0.1 s, not the whole bound.
 */
export function boundedTotals(clicks: ClickTotals, timeoutMs: number): BoundedTotals {
  let strugglingUntil = 0;
  return async (ids) => {
    if (ids.length === 0) return new Map();
    const struggling = Date.now() < strugglingUntil;
    const bound = struggling ? Math.min(STRUGGLING_BOUND_MS, timeoutMs) : timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const unknown = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), bound)));
    try {
      const totals = await Promise.race([clicks.totalsFor(ids).catch(() => null), unknown]);
      if (totals !== null) strugglingUntil = 0;
      else if (!struggling) strugglingUntil = Date.now() + STRUGGLING_PAUSE_MS;
      return totals;
    } finally {
      clearTimeout(timer);
    }
  };
}
