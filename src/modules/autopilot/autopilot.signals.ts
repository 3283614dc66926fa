import { METRICS } from '../../common/metrics.catalogue.ts';
import type { Sample, Scrape } from './autopilot.scrape.ts';
import { quantile } from '../../common/quantile.ts';

/** Every signal a rule may name; values are per second, milliseconds, megabytes or 0/1. */
export const SIGNAL_NAMES = [
  'up', 'targets_down', 'replicas', 'redirect_rate', 'redirect_rate_per_replica',
  'latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms', 'error_rate_5xx',
  'clicks_buffered', 'clicks_spooled_rate', 'event_loop_lag_ms', 'rss_mb', 'cpu',
] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];
/** null: not measurable in this window (no redirects to take a percentile of, no target answered). */
export type Signals = Record<SignalName, number | null>;

// prom-client's default metrics, collected by every process (src/common/metrics.ts).
const LAG = 'nodejs_eventloop_lag_seconds';
const RSS = 'process_resident_memory_bytes';
const CPU = 'process_cpu_seconds_total';
const DURATION = METRICS.httpRequestDuration.name;

const sum = (samples: readonly Sample[], name: string, keep: (s: Sample) => boolean = () => true): number =>
  samples.filter((s) => s.name === name && keep(s)).reduce((total, s) => total + s.value, 0);
const has = (samples: readonly Sample[], name: string): boolean => samples.some((s) => s.name === name);
/** A counter's increase; a restarted target (counter went down) counts from zero. */
const delta = (before: number, after: number): number => (after >= before ? after - before : after);
const round = (n: number): number => Math.round(n * 1000) / 1000;

/** The latency of redirects, measured where they are answered: route `/:code` where any, else every route. */
function bucketDeltas(pairs: readonly [Scrape, Scrape][]): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const [before, after] of pairs) {
    const name = `${DURATION}_bucket`;
    const redirectsOnly = after.samples.some((s) => s.name === name && s.labels.route === '/:code');
    const keep = (s: Sample) => !redirectsOnly || s.labels.route === '/:code';
    const les = new Set(after.samples.filter((s) => s.name === name).map((s) => s.labels.le ?? ''));
    for (const le of les) {
      const bound = le === '+Inf' ? Infinity : Number(le);
      const d = delta(sum(before.samples, name, (s) => keep(s) && s.labels.le === le), sum(after.samples, name, (s) => keep(s) && s.labels.le === le));
      buckets.set(bound, (buckets.get(bound) ?? 0) + d);
    }
  }
  return buckets;
}

export { quantile };

/**
 * The fleet's signals over one window, from two scrapes of each target (before, after). Redirect
 * targets are the ones that count redirects (redirectors, or the monolith); the gateway's
 * proxied latency is left out so it is not counted twice.
 */
export function computeSignals(pairs: readonly [Scrape, Scrape][], windowSeconds: number): Signals {
  const answered = pairs.filter(([before, after]) => before.up && after.up);
  // The gateway counts the redirects it proxies too (service="gateway"): the same ones, seen again.
  const redirecting = answered.filter(([, a]) => a.samples.some((s) => s.name === METRICS.redirects.name && s.labels.service !== 'gateway'));
  const perSecond = (name: string, keep?: (s: Sample) => boolean, from = answered) =>
    round(from.reduce((t, [b, a]) => t + delta(sum(b.samples, name, keep), sum(a.samples, name, keep)), 0) / windowSeconds);
  const latest = (name: string, scale: number, combine: (values: number[]) => number) => {
    const values = answered.filter(([, a]) => has(a.samples, name)).map(([, a]) => sum(a.samples, name) * scale);
    return values.length ? round(combine(values)) : null;
  };
  const buckets = bucketDeltas(redirecting);
  const ms = (q: number) => {
    const seconds = quantile(q, buckets);
    return seconds === null ? null : round(seconds * 1000);
  };
  const redirectRate = perSecond(METRICS.redirects.name, undefined, redirecting);
  const cpu = answered.filter(([, a]) => has(a.samples, CPU));
  return {
    up: pairs.length > 0 && pairs.every(([, after]) => after.up) ? 1 : 0,
    targets_down: pairs.filter(([, after]) => !after.up).length,
    replicas: redirecting.length,
    redirect_rate: redirectRate,
    redirect_rate_per_replica: redirecting.length ? round(redirectRate / redirecting.length) : null,
    latency_p50_ms: ms(0.5),
    latency_p95_ms: ms(0.95),
    latency_p99_ms: ms(0.99),
    error_rate_5xx: perSecond(`${DURATION}_count`, (s) => (s.labels.status ?? '').startsWith('5')),
    clicks_buffered: latest(METRICS.clicksBuffered.name, 1, (v) => v.reduce((a, b) => a + b, 0)),
    clicks_spooled_rate: round(perSecond(METRICS.eventsSpooled.name) + perSecond(METRICS.clicksSpooled.name)),
    event_loop_lag_ms: latest(LAG, 1000, (v) => Math.max(...v)),
    rss_mb: latest(RSS, 1 / 2 ** 20, (v) => Math.max(...v)),
    // The busiest process's share of one core.
    cpu: cpu.length ? round(Math.max(...cpu.map(([b, a]) => delta(sum(b.samples, CPU), sum(a.samples, CPU)) / windowSeconds))) : null,
  };
}
