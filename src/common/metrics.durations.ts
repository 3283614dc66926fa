import type { Metric, Registry } from 'prom-client';
import type { MetricDef } from './metrics.catalogue.ts';

type Label = 'method' | 'route' | 'status';

/** One line of the exposition, as prom-client's registry reads it from a metric's get(). */
interface MetricLine {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/** One label set's counts: `observe` is a bucket search and three additions, nothing allocated. */
export class DurationSeries {
  /** Per bucket, not cumulative; the last slot is past the largest bound (+Inf). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<Label, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

/**
 * http_request_duration_seconds, kept by hand and registered with the process's prom-client
 * registry, which reads it as it reads its own histograms (`get()`, `reset()`). prom-client's
 * Histogram builds and hashes a label object on every observe, even through a child made once
 * with `labels()`: about 0.5 µs and a few objects a request, on the redirect thread of every
 * process (issue #12). Here a label set is found once, and the fast path keeps its series.
 */
export class RequestDurations {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  private readonly bounds: readonly number[];
  private readonly series = new Map<string, DurationSeries>();

  constructor(registry: Registry, metric: MetricDef<'histogram', Label>) {
    if (!metric.buckets) throw new Error(`${metric.name}: a duration histogram needs its buckets`);
    this.name = metric.name;
    this.help = metric.help;
    this.bounds = [...metric.buckets].sort((a, b) => a - b);
    // The registry reads a metric through get(), reset() and the fields above: what this class has.
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series of one label set, made the first time it is asked for: keep it to observe without a lookup. */
  labels(method: string, route: string, status: string): DurationSeries {
    const key = `${method} ${route} ${status}`;
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = new DurationSeries({ method, route, status }, this.bounds)));
    return series;
  }

  observe(labels: { method: string; route: string; status: string | number }, seconds: number): void {
    this.labels(labels.method, labels.route, String(labels.status)).observe(seconds);
  }

  /** What prom-client's Histogram gives for the same observations: cumulative buckets, +Inf, sum and count per series. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; values: MetricLine[]; aggregator: 'sum' }> {
    const values: MetricLine[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += s.counts[i]!;
        values.push({ labels: { le, ...s.labels }, value: cumulative, metricName: bucket });
      });
      values.push(
        { labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: bucket },
        { labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` },
        { labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** Zeroes every series; a series kept by the fast path stays the one this metric reads. */
  reset(): void {
    for (const s of this.series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
