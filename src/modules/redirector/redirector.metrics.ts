import { Counter, type Registry } from 'prom-client';

/** morphlink_redirects_total by status; the label children are made once, not per request. */
export function createRedirectCounter(registry: Registry): (status: number) => void {
  const counter = new Counter({
    name: 'morphlink_redirects_total',
    help: 'Short-URL visits answered, by HTTP status',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const children = new Map<number, ReturnType<typeof counter.labels>>();
  return (status) => {
    let child = children.get(status);
    if (!child) children.set(status, (child = counter.labels(String(status))));
    child.inc();
  };
}
