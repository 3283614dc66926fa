import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openDatabase } from '../../common/db.ts';
import { AppError } from '../../common/errors.ts';
import { createHttpServer } from '../../common/http/server.ts';
import { createMetrics } from '../../common/metrics.ts';
import { CHROME_UA, DIALECTS, FIREFOX_UA, GOOGLEBOT_UA, silentLogger, useDatabase } from '../../../test/support/test-support.ts';
import { exportChunks } from './analytics.export.format.ts';
import { createExportRepository } from './analytics.export.repository.ts';
import { exportRoutes } from './analytics.export.routes.ts';
import { createClickExport } from './analytics.export.ts';
import { analyticsMigrations, createAnalyticsRepository, createClickIngestion, type ClickEvent } from './index.ts';

// What the export must stream without holding: 200,000 clicks (about 20 MB of CSV).
const CLICKS = 200_000;
const BATCH = 5_000;
// Peak RSS growth, and memory still held after a full GC. Measured here: streaming 0 to 31 MB of
// RSS and 0 to 12 MB held; the CSV held whole before sending, 84 to 87 MB of RSS and 90 MB held.
const MAX_GROWTH_MB = 60;
const MAX_HELD_MB = 30;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const OWNER = { id: 'user-big', name: 'big', isAdmin: false };
const AGENTS = [CHROME_UA, FIREFOX_UA, GOOGLEBOT_UA];

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const mb = (bytes: number) => Math.round(bytes / 1_048_576);

/** Click `n` of the big link, or (every 11th batch) of another link the export must leave out. */
function clickOf(n: number, linkId: string): ClickEvent {
  return {
    id: `${linkId}-${Math.floor(n / 1_000).toString(36)}.${(n % 1_000).toString(36)}`,
    linkId,
    ownerId: OWNER.id,
    code: linkId,
    at: T0 + n * 1_000,
    referrer: `https://site${n % 50}.example.com/page/${n % 400}`,
    userAgent: AGENTS[n % 3]!,
    visitor: `visitor-${(n % 25_000).toString(36).padStart(8, '0')}-0123456789abcdef`,
    country: ['US', 'FR', 'DE', 'BR'][n % 4]!,
  };
}

/** Stores the clicks through the real ingestion (dictionaries, rollups), BATCH at a time. */
async function seed(url: string) {
  const database = openDatabase(url);
  const { ingest } = createClickIngestion(createAnalyticsRepository(database));
  for (let start = 0, batch = 0; start < CLICKS; batch++) {
    const other = batch % 11 === 10;
    const events = Array.from({ length: BATCH }, (_, i) => clickOf(other ? batch * BATCH + i : start + i, other ? 'link-other' : 'link-big'));
    const { accepted } = await ingest(events);
    assert.equal(accepted, BATCH);
    if (!other) start += BATCH;
  }
  await database.close();
}

/**
 * Seeding runs in a child process (this file again, with SEED_URL): the garbage of 220,000
 * ingested events would otherwise sit in this process's RSS and hide what the export adds.
 */
async function seedInChild(url: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, SEED_URL: url };
  delete env.NODE_TEST_CONTEXT;
  await promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], { env, timeout: 300_000 });
}

if (process.env.SEED_URL) {
  await seed(process.env.SEED_URL);
  process.exit(0);
}

/** A real HTTP server with the export routes; `/buffered.csv` is the control: the same text, held whole before it is sent. */
async function startServer(t: TestContext, database: Parameters<typeof createExportRepository>[0]) {
  const exports = createClickExport({ repository: createExportRepository(database) });
  const big = { id: 'link-big', code: 'big' };
  const app = createHttpServer({ service: 'analytics', mode: 'monolith', version: 'test', logger: silentLogger, metrics: createMetrics('analytics'), bodyLimitBytes: 1_048_576, trustProxy: 'loopback', ready: {} });
  const links = {
    owned: async (_owner: unknown, code: string) => {
      if (code !== big.code) throw new AppError('NOT_FOUND', 'No such link.');
      return big;
    },
    count: async () => 1,
  };
  app.register(exportRoutes, { exports, links, authenticate: async (request) => void (request.principal = OWNER) });
  app.get('/buffered.csv', async (_request, reply) => {
    let text = '';
    for await (const chunk of exportChunks('csv', exports.pages(big, {}))) text += chunk;
    return reply.type('text/csv').send(text);
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}

/** Reads a response as it streams in, counting lines and bytes, while RSS is sampled every 5 ms. */
async function measure(url: string) {
  const retained = () => {
    const { heapUsed, external, arrayBuffers } = process.memoryUsage();
    return heapUsed + external + arrayBuffers;
  };
  gc();
  const before = process.memoryUsage().rss;
  const heldBefore = retained();
  let [peak, held] = [before, heldBefore];
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  // A full collection every 50 ms: what stays is what the export holds, and garbage cannot pile
  // up into the RSS for long (V8 grows its heap before it collects; that is not the export's doing).
  const collector = setInterval(() => {
    gc();
    held = Math.max(held, retained());
  }, 50);
  const started = Date.now();
  let [bytes, lines] = [0, 0];
  try {
    const res = await fetch(url);
    assert.equal(res.status, 200);
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (const byte of chunk) if (byte === 10) lines++;
    }
  } finally {
    clearInterval(sampler);
    clearInterval(collector);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return { lines, bytes, seconds: (Date.now() - started) / 1_000, before, peak, growth: peak - before, heldGrowth: held - heldBefore };
}

for (const dialect of DIALECTS) {
  describe(`clicks export of ${CLICKS.toLocaleString('en')} clicks on ${dialect}`, () => {
    const database = useDatabase(dialect, { analytics: analyticsMigrations });

    it(`when the export streams over HTTP, then every row arrives and RSS grows by less than ${MAX_GROWTH_MB} MB (${MAX_HELD_MB} MB held after GC); held whole, it would not`, { timeout: 600_000 }, async (t) => {
      const seeding = Date.now();
      await seedInChild(database().url);
      t.diagnostic(`${dialect}: seeded ${CLICKS} clicks (+${CLICKS / 10} of another link) in ${((Date.now() - seeding) / 1_000).toFixed(1)} s`);
      const base = await startServer(t, database());

      for (const format of ['csv', 'ndjson'] as const) {
        const m = await measure(`${base}/api/links/big/clicks.${format}`);
        t.diagnostic(`${dialect} ${format}: ${m.lines} lines, ${mb(m.bytes)} MB in ${m.seconds.toFixed(1)} s; RSS ${mb(m.before)} MB before, peak ${mb(m.peak)} MB (+${mb(m.growth)} MB); held after GC +${mb(m.heldGrowth)} MB`);
        assert.equal(m.lines, CLICKS + (format === 'csv' ? 1 : 0), `${format} lines`);
        assert.ok(m.bytes > 20_000_000, `${format}: ${m.bytes} bytes, enough that holding them would show`);
        assert.ok(m.growth < MAX_GROWTH_MB * 1_048_576, `${format}: RSS grew by ${mb(m.growth)} MB`);
        assert.ok(m.heldGrowth < MAX_HELD_MB * 1_048_576, `${format}: ${mb(m.heldGrowth)} MB more held after GC`);
      }

      // The bound means something: the same export held whole before sending goes past it.
      const held = await measure(`${base}/buffered.csv`);
      t.diagnostic(`${dialect} csv held whole (control): ${held.lines} lines; RSS ${mb(held.before)} MB before, peak ${mb(held.peak)} MB (+${mb(held.growth)} MB); held after GC +${mb(held.heldGrowth)} MB`);
      assert.equal(held.lines, CLICKS + 1);
      assert.ok(held.growth >= MAX_GROWTH_MB * 1_048_576, `held whole, RSS grew by only ${mb(held.growth)} MB: the bound would not catch buffering`);
      assert.ok(held.heldGrowth >= MAX_HELD_MB * 1_048_576, `held whole, only ${mb(held.heldGrowth)} MB more held after GC`);
    });
  });
}
