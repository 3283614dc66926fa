import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { METRICS } from '../../common/metrics.catalogue.ts';
import { createRedirectCounter } from './redirector.metrics.ts';

async function redirectsByStatus(registry: Registry): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === METRICS.redirects.name);
  assert.ok(metric, 'the redirect counter is registered');
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.status), v.value]));
}

test('the redirects counted between two scrapes are added to the counter once, by status', async () => {
  const registry = new Registry();
  const countRedirect = createRedirectCounter(registry);
  for (const status of [302, 302, 301, 302]) countRedirect(status);

  assert.deepEqual(await redirectsByStatus(registry), { '301': 1, '302': 3 });
  // A second scrape adds nothing: what the first took is not taken again.
  assert.deepEqual(await redirectsByStatus(registry), { '301': 1, '302': 3 });

  countRedirect(302);
  countRedirect(307);
  assert.deepEqual(await redirectsByStatus(registry), { '301': 1, '302': 4, '307': 1 });
});
