import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { METRICS } from './metrics.catalogue.ts';
import { RequestDurations } from './metrics.durations.ts';

/** The exposition as a set of `name{sorted labels} value` lines: label order is not part of the format. */
async function series(registry: Registry): Promise<string[]> {
  const text = await registry.metrics();
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^(\w+)(?:\{(.*)\})? (.+)$/.exec(line);
      assert.ok(match, `not an exposition line: ${line}`);
      const labels = (match[2] ?? '').split(',').filter(Boolean).sort().join(',');
      return `${match[1]}{${labels}} ${match[3]}`;
    })
    .sort();
}

function registryFor(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  return registry;
}

// Every bucket edge, values between and past them, and two label sets, one kept by the fast path.
const OBSERVATIONS: [string, string, number, number][] = [
  ['GET', '/:code', 302, 0.0001],
  ['GET', '/:code', 302, 0.0005],
  ['GET', '/:code', 302, 0.0007],
  ['GET', '/:code', 302, 0.001],
  ['GET', '/:code', 302, 0.3],
  ['GET', '/:code', 302, 2.5],
  ['GET', '/:code', 302, 9],
  ['POST', '/api/links', 201, 0.004],
  ['POST', '/api/links', 201, 0.02],
];

test('reads on /metrics exactly as prom-client\'s Histogram does for the same observations', async () => {
  const def = METRICS.httpRequestDuration;
  const reference = registryFor('links');
  const theirs = new Histogram({ name: def.name, help: def.help, labelNames: def.labels, buckets: [...def.buckets!], registers: [reference] });
  const ours = registryFor('links');
  const durations = new RequestDurations(ours, def);
  const kept = durations.labels('GET', '/:code', '302');

  for (const [method, route, status, seconds] of OBSERVATIONS) {
    theirs.observe({ method, route, status }, seconds);
    if (route === '/:code') kept.observe(seconds);
    else durations.observe({ method, route, status }, seconds);
  }

  const expected = await series(reference);
  assert.equal(expected.length, 2 * (def.buckets!.length + 3));
  assert.deepEqual(await series(ours), expected);
  // Its JSON too, as the autopilot's and the writer thread's readers take it.
  const [json] = await ours.getMetricsAsJSON();
  assert.equal(json?.type, 'histogram');
  assert.equal(json?.name, def.name);
});

test('reset zeroes every series, and a series kept before it still counts after it', async () => {
  const registry = registryFor('redirector');
  const durations = new RequestDurations(registry, METRICS.httpRequestDuration);
  const kept = durations.labels('GET', '/:code', '302');
  kept.observe(0.002);
  registry.resetMetrics();
  kept.observe(0.003);
  const lines = await series(registry);
  assert.ok(lines.includes('http_request_duration_seconds_count{method="GET",route="/:code",service="redirector",status="302"} 1'), lines.join('\n'));
  assert.ok(lines.includes('http_request_duration_seconds_sum{method="GET",route="/:code",service="redirector",status="302"} 0.003'), lines.join('\n'));
});
