import type { Registry } from 'prom-client';
import { METRICS, counter as createCounter } from '../../common/metrics.catalogue.ts';

/** morphlink_redirects_total by status; the label children are made once, not per request. */
export function createRedirectCounter(registry: Registry): (status: number) => void {
  const counter = createCounter(registry, METRICS.redirects);
  const children = new Map<number, ReturnType<typeof counter.labels>>();
  return (status) => {
    let child = children.get(status);
    if (!child) children.set(status, (child = counter.labels(String(status))));
    child.inc();
  };
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
