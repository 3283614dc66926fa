import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMetrics, summarize } from './metrics.ts';

const bucket = (route: string, le: string, n: number) =>
  `http_request_duration_seconds_bucket{le="${le}",service="monolith",method="GET",route="${route}",status="302"} ${n}`;

const scrape = (at: number, redirects: number, fast: number, slow: number) => ({
  at,
  samples: parseMetrics([
    '# HELP morphlink_redirects_total Short-URL visits answered, by HTTP status',
    '# TYPE morphlink_redirects_total counter',
    `morphlink_redirects_total{status="302",service="monolith"} ${redirects}`,
    `morphlink_redirects_total{status="404",service="monolith"} 1`,
    bucket('/:code', '0.001', fast),
    bucket('/:code', '0.01', fast + slow),
    bucket('/:code', '+Inf', fast + slow),
    bucket('/api/links', '0.001', 0),
    bucket('/api/links', '+Inf', 500),
    'process_cpu_seconds_total 3.5',
  ].join('\n')),
});

test('when /metrics is parsed, then only the redirect counter and the duration buckets are kept, labels unescaped', () => {
  const samples = parseMetrics('morphlink_redirects_total{status="302",service="a\\"b"} 7\nother_total 1\n');
  assert.deepEqual(samples, [{ name: 'morphlink_redirects_total', labels: { status: '302', service: 'a"b' }, value: 7 }]);
});

test('when two scrapes are 10 s apart, then the rate is the redirects between them and p99 comes from the redirect route only', () => {
  const summary = summarize(scrape(0, 100, 50, 0), scrape(10_000, 300, 150, 100));
  assert.equal(summary.redirects, 200);
  assert.equal(summary.rate, 20);
  // 100 fast (≤ 1 ms), 100 slow (1–10 ms): the 198th is 96 % into the slow bucket.
  assert.ok(summary.p99Ms !== null && Math.abs(summary.p99Ms - 9.82) < 0.01, String(summary.p99Ms));
});

test('when nothing was redirected in the window, then the rate is 0 and p99 is unknown', () => {
  const summary = summarize(scrape(0, 100, 50, 0), scrape(5_000, 100, 50, 0));
  assert.equal(summary.rate, 0);
  assert.equal(summary.p99Ms, null);
});

test('when no redirect was ever answered, then p99 is unknown even though API routes have latencies', () => {
  const api = (n: number) => ({ at: n * 1000, samples: parseMetrics(`${bucket('/api/links', '0.01', n)}\n${bucket('/api/links', '+Inf', n)}`) });
  assert.equal(summarize(api(1), api(5)).p99Ms, null);
});

test('when the process restarted between scrapes, then the counter counts from zero', () => {
  // 101 before (100 × 302, 1 × 404), 5 after: everything after counts.
  assert.equal(summarize(scrape(0, 100, 50, 0), scrape(1_000, 4, 54, 0)).redirects, 5);
});

test('behind a gateway, when a redirector counts too, then the gateway\'s own count is left out', () => {
  const text = (n: number) => `morphlink_redirects_total{status="302",service="gateway"} ${n}\nmorphlink_redirects_total{status="302",service="redirector"} ${n}`;
  assert.equal(summarize({ at: 0, samples: parseMetrics(text(0)) }, { at: 1_000, samples: parseMetrics(text(10)) }).redirects, 10);
});
