import type { Registry } from 'prom-client';
import { METRICS, counter as createCounter } from '../../common/metrics.catalogue.ts';

/**
 * morphlink_redirects_total by status, summed here per status and added to the counter when it is
 * scraped: prom-client hashes the labels on every inc(), even through a child made once.
 */
export function createRedirectCounter(registry: Registry): (status: number) => void {
  const unscraped = new Map<number, number>();
  createCounter(registry, METRICS.redirects, function () {
    for (const [status, count] of unscraped) if (count > 0) this.inc({ status: String(status) }, count);
    unscraped.clear();
  });
  return (status) => void unscraped.set(status, (unscraped.get(status) ?? 0) + 1);
}

/**
 * What the fast path reports for each redirect it answers, since Fastify's hooks never see it:
 * the redirect counter and the request-duration histogram, label children made once per status.
 */
export function createFastPathMetrics(
  countRedirect: (status: number) => void,
  httpDuration: { labels(method: string, route: string, status: string): { observe(seconds: number): void } },
): (status: number, seconds: number) => void {
  const durations = new Map<number, { observe(seconds: number): void }>();
  return (status, seconds) => {
    countRedirect(status);
    let duration = durations.get(status);
    if (!duration) durations.set(status, (duration = httpDuration.labels('GET', '/:code', String(status))));
    duration.observe(seconds);
  };
}
