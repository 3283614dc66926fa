import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { loadConfig } from '../common/config.ts';
import { createLogger } from '../common/logger.ts';
import { METRIC_LIST, type MetricDef } from '../common/metrics.catalogue.ts';
import { createAutopilotMetrics } from '../modules/autopilot/index.ts';
import { createClickSender, createSpool } from '../modules/analytics/index.ts';
import { createRedisPublisher } from '../modules/redirector/index.ts';
import { buildMonolith } from './monolith.ts';

interface Exposed {
  type: string;
  help: string;
}

/** `# HELP` and `# TYPE` lines of a Prometheus text exposition, by metric name. */
function exposition(text: string): Map<string, Exposed> {
  const found = new Map<string, Exposed>();
  for (const line of text.split('\n')) {
    const match = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (!match) continue;
    const [, kind, name = '', rest = ''] = match;
    const entry = found.get(name) ?? { type: '', help: '' };
    if (kind === 'TYPE') entry.type = rest;
    else entry.help = rest;
    found.set(name, entry);
  }
  return found;
}

const ours = (names: Iterable<string>, catalogue: readonly MetricDef[]) =>
  [...names].filter((n) => n.startsWith('morphlink_') || catalogue.some((m) => m.name === n)).sort();

describe('the metric catalogue', () => {
  let dir: string;
  const exposed = new Map<string, Exposed>();
  const byWhom = new Map<string, string[]>();
  const collect = (who: string, text: string) => {
    for (const [name, entry] of exposition(text)) {
      exposed.set(name, entry);
      byWhom.set(name, [...(byWhom.get(name) ?? []), who]);
    }
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'morphlink-metrics-'));
    // A real monolith on a real SQLite file, scraped over its own /metrics route.
    const config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'm.db')}`, LOG_LEVEL: 'silent', INTERNAL_TOKEN: 'x', DATA_DIR: dir });
    const monolith = await buildMonolith(config);
    try {
      const response = await monolith.app.inject({ url: '/metrics' });
      assert.equal(response.statusCode, 200);
      collect('monolith', response.body);
    } finally {
      await monolith.dispose();
    }
    // What only a redirector process (the click sender) and a links process with Redis register.
    const logger = createLogger('silent', 'test');
    const registry = new Registry();
    const sender = createClickSender({
      transport: { send: async () => ({ accepted: 0, duplicates: 0 }), sendFrames: async () => ({ accepted: 0, duplicates: 0 }), identify: async () => 'db' },
      spool: createSpool(join(dir, 'spool')),
      flushMs: 60_000,
      batchMax: 10,
      registry,
      logger,
    });
    const publisher = createRedisPublisher({
      redisUrl: 'redis://127.0.0.1:6379',
      fallback: { linkChanged: async () => undefined },
      expectedReceivers: () => 0,
      registry,
      logger,
    });
    // The autopilot's own counters, as its process registers them.
    createAutopilotMetrics(registry);
    collect('sender, publisher and autopilot', await registry.metrics());
    await sender.close();
    await publisher.close();
  });

  after(() => rm(dir, { recursive: true, force: true }));

  it('when the processes are scraped, then every morphlink metric they expose is in the catalogue, with its type and help', () => {
    const catalogued = new Map(METRIC_LIST.map((m) => [m.name, m]));
    for (const name of ours(exposed.keys(), METRIC_LIST)) {
      const metric = catalogued.get(name);
      assert.ok(metric, `${name} (from ${byWhom.get(name)?.join(', ')}) is not in src/common/metrics.catalogue.ts`);
      assert.deepEqual(exposed.get(name), { type: metric.type, help: metric.help }, name);
    }
  });

  it('when the catalogue is read, then each entry is registered by some process and named once', () => {
    const names = METRIC_LIST.map((m) => m.name);
    assert.deepEqual(names.filter((n) => !exposed.has(n)), [], 'catalogued but registered by nobody');
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.every((n) => /^[a-z_]+$/.test(n)));
  });
});
