import { Registry, collectDefaultMetrics, type Histogram } from 'prom-client';
import { METRICS, histogram } from './metrics.catalogue.ts';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

/** One registry per process, passed down to every module that counts something. */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return { registry, httpDuration: histogram(registry, METRICS.httpRequestDuration) };
}
