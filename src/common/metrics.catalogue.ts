import { Counter, Gauge, type Registry } from 'prom-client';

// Every metric MorphLink emits, named once: the emitters create theirs from these entries, and the
// autopilot and the dashboard read names, types and labels from here instead of copying strings.

export type MetricType = 'counter' | 'gauge' | 'histogram';
/** Which module (wherever it runs) or process registers the metric. */
export type Emitter = 'every process' | 'links' | 'redirector' | 'analytics' | 'autopilot';

export interface MetricDef<T extends MetricType = MetricType, L extends string = string> {
  name: string;
  type: T;
  help: string;
  labels: readonly L[];
  emittedBy: readonly Emitter[];
  buckets?: readonly number[];
}

const def = <const T extends MetricType, const L extends string = never>(d: MetricDef<T, L>): MetricDef<T, L> => d;

export const METRICS = {
  httpRequestDuration: def({
    name: 'http_request_duration_seconds', type: 'histogram', help: 'HTTP request duration in seconds, by route and status',
    labels: ['method', 'route', 'status'], emittedBy: ['every process'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  }),
  redirects: def({ name: 'morphlink_redirects_total', type: 'counter', help: 'Short-URL visits answered, by HTTP status', labels: ['status'], emittedBy: ['redirector'] }),
  linkCache: def({ name: 'morphlink_link_cache_total', type: 'counter', help: 'Link cache lookups by result', labels: ['result'], emittedBy: ['redirector'] }),
  linkCacheWarmed: def({
    name: 'morphlink_link_cache_warmed_total', type: 'counter',
    help: 'Links loaded into the link cache at start, the ones redirected most lately (CACHE_WARM_HOURS)', labels: [], emittedBy: ['redirector'],
  }),
  cacheInvalidationFallbacks: def({
    name: 'morphlink_cache_invalidation_fallbacks_total', type: 'counter',
    help: 'Link changes sent to the redirectors over HTTP because Redis did not deliver them', labels: [], emittedBy: ['links'],
  }),
  // One name for both click sinks, so a dashboard sums the backlog whichever sink a process runs.
  clicksBuffered: def({ name: 'morphlink_clicks_buffered', type: 'gauge', help: 'Clicks waiting to be written or sent', labels: [], emittedBy: ['analytics', 'redirector'] }),
  clicksWritten: def({ name: 'morphlink_clicks_written_total', type: 'counter', help: 'Clicks written to the database', labels: [], emittedBy: ['analytics'] }),
  clicksDuplicate: def({ name: 'morphlink_clicks_duplicate_total', type: 'counter', help: 'Clicks skipped as already stored', labels: [], emittedBy: ['analytics'] }),
  clicksSpooled: def({
    name: 'morphlink_clicks_spooled_total', type: 'counter', help: 'Clicks the database would not take, written to the local spool', labels: [], emittedBy: ['analytics'],
  }),
  clicksReplayed: def({ name: 'morphlink_clicks_replayed_total', type: 'counter', help: 'Spooled clicks written to the database later', labels: [], emittedBy: ['analytics'] }),
  clicksForeign: def({
    name: 'morphlink_clicks_foreign_total', type: 'counter', help: 'Spooled clicks of another database, set aside and not written here', labels: [], emittedBy: ['analytics'],
  }),
  eventsSent: def({ name: 'morphlink_events_sent_total', type: 'counter', help: 'Click events delivered to analytics', labels: [], emittedBy: ['redirector'] }),
  eventsSpooled: def({ name: 'morphlink_events_spooled_total', type: 'counter', help: 'Click events analytics did not take, left to the click journal until it answers', labels: [], emittedBy: ['redirector'] }),
  eventsReplayed: def({ name: 'morphlink_events_replayed_total', type: 'counter', help: 'Click events the click journal (or an earlier version\'s spool) handed over again, delivered', labels: [], emittedBy: ['redirector'] }),
  eventsQuarantined: def({
    name: 'morphlink_events_quarantined_total', type: 'counter', help: 'Click events analytics refused as invalid, kept in quarantine.ndjson', labels: [], emittedBy: ['redirector'],
  }),
  eventsForeign: def({
    name: 'morphlink_events_foreign_total', type: 'counter', help: 'Kept click events of another analytics database, set aside', labels: [], emittedBy: ['redirector'],
  }),
  eventsDropped: def({ name: 'morphlink_events_dropped_total', type: 'counter', help: 'Click events lost (must stay 0)', labels: [], emittedBy: ['redirector'] }),
  autopilotDecisions: def({
    name: 'morphlink_autopilot_decisions_total', type: 'counter', help: 'Autopilot decisions, by rule, action and result (done, failed, dry-run)',
    labels: ['rule', 'action', 'result'], emittedBy: ['autopilot'],
  }),
  autopilotTargetsDown: def({
    name: 'morphlink_autopilot_targets_down', type: 'gauge', help: 'Targets that did not answer the last scrape', labels: [], emittedBy: ['autopilot'],
  }),
} as const;

export type MetricKey = keyof typeof METRICS;
export const METRIC_LIST: readonly MetricDef[] = Object.values(METRICS);

/** `collect` runs at each scrape, for a counter that is summed somewhere else first (the fast path's redirects). */
export function counter<L extends string>(registry: Registry, metric: MetricDef<'counter', L>, collect?: (this: Counter<L>) => void): Counter<L> {
  return new Counter({ name: metric.name, help: metric.help, labelNames: metric.labels, registers: [registry], ...(collect ? { collect } : {}) });
}

/** `collect` runs at each scrape, for a gauge that reads its value from somewhere (a buffer's length). */
export function gauge<L extends string>(registry: Registry, metric: MetricDef<'gauge', L>, collect?: (this: Gauge<L>) => void): Gauge<L> {
  return new Gauge({ name: metric.name, help: metric.help, labelNames: metric.labels, registers: [registry], ...(collect ? { collect } : {}) });
}
