import { Registry, collectDefaultMetrics } from 'prom-client';
import { METRICS } from './metrics.catalogue.ts';
import { RequestDurations } from './metrics.durations.ts';

export interface Metrics {
  registry: Registry;
  httpDuration: RequestDurations;
}

/** One registry per process, passed down to every module that counts something. */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return { registry, httpDuration: new RequestDurations(registry, METRICS.httpRequestDuration) };
}
