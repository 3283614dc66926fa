import type { ClickCounts, ResolvedLink } from './redirector.port.ts';

/**
 * Enforces maxClicks without a database write per redirect: the count stored so far is read
 * once per link, then this process counts the clicks it serves on top. With several redirector
 * replicas each counts its own, so a limit can be overshot by at most (replicas − 1) × in-flight.
 */
export function createClickQuota(counts: ClickCounts) {
  const served = new Map<string, Promise<{ n: number }>>();

  function counterFor(linkId: string) {
    let counter = served.get(linkId);
    if (!counter) {
      counter = counts.totalsFor([linkId]).then((totals) => ({ n: totals.get(linkId) ?? 0 }));
      counter.catch(() => served.delete(linkId));
      served.set(linkId, counter);
    }
    return counter;
  }

  return {
    /** True when a visit is within the limit (and counts it, if it is a click); false once the limit is reached. */
    async admit(link: ResolvedLink, isClick: boolean): Promise<boolean> {
      if (link.maxClicks === null) return true;
      const counter = await counterFor(link.id);
      if (counter.n >= link.maxClicks) return false;
      if (isClick) counter.n++;
      return true;
    },
  };
}

export type ClickQuota = ReturnType<typeof createClickQuota>;
