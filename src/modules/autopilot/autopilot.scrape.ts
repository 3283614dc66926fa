import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** One sample of a scrape: metric name (with its `_bucket`/`_count` suffix), labels, value. */
export interface Sample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** What one target answered at one moment; `samples` is empty when it did not answer. */
export interface Scrape {
  target: string;
  at: number;
  up: boolean;
  samples: readonly Sample[];
}

/**
 * Parses Prometheus text exposition into flat samples. The parser folds a histogram's labelled
 * series into one (it keeps only the last route), so histograms are read as untyped families:
 * `x_bucket{le,…}`, `x_sum`, `x_count` then come back one sample per series, labels intact.
 */
export function parseMetrics(text: string): Sample[] {
  const untyped = text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped');
  const samples: Sample[] = [];
  // The parser drops a last line with no newline after it.
  for (const family of parsePrometheusTextFormat(untyped.endsWith('\n') ? untyped : `${untyped}\n`)) {
    for (const metric of family.metrics) {
      if (metric.value === undefined) continue;
      samples.push({ name: family.name, labels: metric.labels ?? {}, value: Number(metric.value) });
    }
  }
  return samples;
}

/** GETs a target's /metrics; any failure (refused, timeout, non-200) is a scrape with up false. */
export async function scrape(target: string, now: () => number, timeoutMs: number): Promise<Scrape> {
  const at = now();
  try {
    const response = await fetch(`${target.replace(/\/+$/, '')}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return { target, at, up: false, samples: [] };
    return { target, at, up: true, samples: parseMetrics(await response.text()) };
  } catch {
    return { target, at, up: false, samples: [] };
  }
}
