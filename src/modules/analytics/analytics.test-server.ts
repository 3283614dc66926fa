// Test support for the analytics tests: a real analytics HTTP server, a real sender and the click journal in front of it. Not product code.
import { readdirSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { Registry, type Counter } from 'prom-client';
import type { Database } from '../../common/db.ts';
import type { AppError } from '../../common/errors.ts';
import { createHttpClient } from '../../common/http/client.ts';
import { createInternalGuard } from '../../common/http/internal.ts';
import { createHttpServer } from '../../common/http/server.ts';
import { createMetrics } from '../../common/metrics.ts';
import { CHROME_UA, silentLogger } from '../../../test/support/test-support.ts';
import { createClickJournal, type ClickSink } from '../redirector/index.ts';
import {
  analyticsInternalRoutes,
  createAnalyticsQueries,
  createAnalyticsRepository,
  createClickIngestion,
  createClickSender,
  createEventsTransport,
  createSpool,
  eventsRoutes,
} from './index.ts';
import type { ClickSenderDeps } from './analytics.sender.ts';

export const TOKEN = 'analytics-test-token';

export const counted = async (registry: Registry, name: string) =>
  (await registry.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;

/**
 * POST /events and the internal routes on `database`; `port` 0 picks one. Closed when the test ends.
 * `refuse`, asked with each POST /events' media type and how many came before it, may answer it
 * with an error instead (an analytics of 0.1.x: 415 for frames; one going down: 503).
 */
export async function startEventsServer(
  t: TestContext,
  database: Database,
  opts: { port?: number; bodyLimitBytes?: number; refuse?: (contentType: string, before: number) => AppError | null } = {},
) {
  const repository = createAnalyticsRepository(database);
  const ingestion = createClickIngestion(repository);
  const app = createHttpServer({
    service: 'analytics',
    mode: 'microservices',
    version: 'test',
    logger: silentLogger,
    metrics: createMetrics('analytics'),
    bodyLimitBytes: opts.bodyLimitBytes ?? 1_048_576,
    trustProxy: 'loopback',
    ready: {},
  });
  const guard = createInternalGuard(TOKEN);
  /** The media type of each POST /events, in arrival order, refused ones included. */
  const bodies: string[] = [];
  app.addHook('onRequest', async (request) => {
    if (request.url !== '/events') return;
    const type = String(request.headers['content-type']);
    const refusal = opts.refuse?.(type, bodies.length) ?? null;
    bodies.push(type);
    if (refusal) throw refusal;
  });
  app.register(eventsRoutes, { ingestion, guard });
  app.register(analyticsInternalRoutes, { queries: createAnalyticsQueries({ repository }), ingestion, guard });
  await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= app.close());
  t.after(stop);
  return { app, stop, bodies, port: (app.server.address() as { port: number }).port };
}

/**
 * The click journal in front of `sink`, as a redirector wires them, rotating every 50 ms;
 * `visits(linkId, n)` records n clicks of that link through it and resolves once they are
 * journaled (and handed on, unless the journal holds them). Closed when the test ends. Given the
 * sender's `registry`, it counts clicks set aside and dropped there, as the redirector module does.
 */
export function startJournal(t: TestContext, sink: ClickSink, dir: string, { onSetAside, registry }: { onSetAside?: (clicks: number) => void; registry?: Registry } = {}) {
  const countIn = (name: string) => (clicks: number) => (registry?.getSingleMetric(name) as Counter | undefined)?.inc(clicks);
  const journal = createClickJournal({
    dir,
    fsyncMs: 10,
    rotateMs: 50,
    visitorId: (ip) => `visitor-${ip}`,
    sink,
    logger: silentLogger,
    onSetAside: onSetAside ?? countIn('morphlink_events_foreign_total'),
    onDropped: countIn('morphlink_events_dropped_total'),
  });
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= journal.close());
  t.after(close);
  const visits = (linkId: string, n: number) =>
    new Promise<void>((resolve) => {
      const link = { id: linkId, code: `code-${linkId}`, url: 'https://example.com/', ownerId: 'user-owner', expiresAt: null, maxClicks: null, redirectType: 302 as const, passwordHash: null, rules: [] };
      for (let i = 0; i < n; i++) journal.record(link, { code: link.code, query: '', ip: '127.0.0.1', userAgent: CHROME_UA, referrer: null, country: null }, Date.now());
      journal.afterWrite(resolve);
    });
  /** The segments the journal holds in `dir` (not those set aside). */
  const segments = () => readdirSync(dir).filter((name) => name.endsWith('.clk'));
  return { journal, visits, segments, close };
}

/** A sender as a redirector wires one (one short-timeout send, then the clicks are the journal's), speaking to `port`. */
export function startSender(
  t: TestContext,
  port: number,
  spoolDir: string,
  { timeoutMs = 1_000, ...settings }: { timeoutMs?: number } & Partial<Pick<ClickSenderDeps, 'batchMax' | 'bodyBytesMax' | 'framesRetryMs'>> = {},
) {
  const http = createHttpClient(`http://127.0.0.1:${port}`, { token: TOKEN, timeoutMs });
  const registry = new Registry();
  const spool = createSpool(spoolDir);
  const sender = createClickSender({
    transport: createEventsTransport(http),
    spool,
    // Flushes happen when the test asks; replays come from the short timer.
    flushMs: 60_000,
    batchMax: 1_000,
    ...settings,
    registry,
    logger: silentLogger,
    replayEveryMs: 50,
    sendTimeoutMs: timeoutMs,
  });
  const totals = async () => ({
    sent: await counted(registry, 'morphlink_events_sent_total'),
    spooled: await counted(registry, 'morphlink_events_spooled_total'),
    replayed: await counted(registry, 'morphlink_events_replayed_total'),
    quarantined: await counted(registry, 'morphlink_events_quarantined_total'),
    foreign: await counted(registry, 'morphlink_events_foreign_total'),
    dropped: await counted(registry, 'morphlink_events_dropped_total'),
  });
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= sender.close().then(() => http.close()));
  t.after(close);
  return { sender, spool, totals, close, registry };
}
