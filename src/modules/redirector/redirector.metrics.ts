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
