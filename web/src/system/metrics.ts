// Just enough of the Prometheus text format for the System page: the redirect counter and the
// request-duration histogram. Names as in src/common/metrics.catalogue.ts.
import { quantile } from '../../../src/common/quantile.ts';

export const REDIRECTS = 'morphlink_redirects_total';
export const DURATION_BUCKET = 'http_request_duration_seconds_bucket';
/** The routes that answer short URLs; their latency is the one that matters. */
const REDIRECT_ROUTES = new Set(['/:code', '/r/:code']);

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  at: number;
  samples: Sample[];
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const unescape = (value: string) => value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** The samples of the wanted metric names; comments, other metrics and bad lines are skipped. */
export function parseMetrics(text: string, names: ReadonlySet<string> = new Set([REDIRECTS, DURATION_BUCKET])): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match || !names.has(match[1]!)) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = unescape(value!);
    const value = parseValue(match[3]!);
    if (!Number.isNaN(value)) samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

const sum = (samples: readonly Sample[], keep: (s: Sample) => boolean) => samples.filter(keep).reduce((total, s) => total + s.value, 0);
/** A counter's increase; one that went down (the process restarted) counts from zero. */
const delta = (before: number, after: number) => (after >= before ? after - before : after);

/**
 * Redirects counted where they are answered. Behind a gateway the gateway counts the redirects it
 * proxies too (service="gateway"): those are only used when nothing else counts.
 */
function redirectSamples(samples: readonly Sample[]): (s: Sample) => boolean {
  const hasOthers = samples.some((s) => s.name === REDIRECTS && s.labels.service !== 'gateway');
  return (s) => s.name === REDIRECTS && (!hasOthers || s.labels.service !== 'gateway');
}

/** Only the redirect routes: before the first redirect there is no latency to show, not the API's. */
const isRedirectDuration = (s: Sample) => s.name === DURATION_BUCKET && REDIRECT_ROUTES.has(s.labels.route ?? '');

export { quantile };

export interface RedirectSummary {
  seconds: number;
  redirects: number;
  /** Redirects per second over the window. */
  rate: number;
  /** Redirect latency p99 in milliseconds; null without a redirect in the window. */
  p99Ms: number | null;
}

/** What happened between two scrapes of the same /metrics. */
export function summarize(before: Scrape, after: Scrape): RedirectSummary {
  const seconds = Math.max((after.at - before.at) / 1000, 0.001);
  const isRedirect = redirectSamples(after.samples);
  const redirects = delta(sum(before.samples, isRedirect), sum(after.samples, isRedirect));
  const buckets = new Map<number, number>();
  for (const le of new Set(after.samples.filter(isRedirectDuration).map((s) => s.labels.le ?? ''))) {
    const inBucket = (s: Sample) => isRedirectDuration(s) && s.labels.le === le;
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, delta(sum(before.samples, inBucket), sum(after.samples, inBucket)));
  }
  const p99 = quantile(0.99, buckets);
  return { seconds, redirects, rate: redirects / seconds, p99Ms: p99 === null ? null : p99 * 1000 };
}
