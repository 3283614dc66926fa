// The click writer's thread (CLICK_WRITER=thread): the same writer as inline (batches, retries,
// the spool), on its own database connection, so storing clicks never runs on the redirect thread.
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { Registry } from 'prom-client';
import { openDatabase } from '../../common/db.ts';
import { createLogger } from '../../common/logger.ts';
import { niceThisThread } from '../../common/thread-priority.ts';
import { METRICS } from '../../common/metrics.catalogue.ts';
import { decodeClickFrame } from './analytics.click-frame.ts';
import { createAnalyticsRepository } from './analytics.repository.ts';
import { ROLLUP_MAX_KEYS_OFF_REDIRECT_THREAD } from './analytics.rollup-window.ts';
import { createClickIngestion } from './analytics.service.ts';
import { createSpool } from './analytics.spool.ts';
import { createWriterSpool } from './analytics.writer-spool.ts';
import { createClickWriter } from './analytics.writer.ts';
import { queueWebhookDeliveries } from './analytics.webhooks.outbox.ts';
import { MIRRORED_COUNTERS, type FromWriter, type MirroredCounter, type ToWriter, type WriterThreadData } from './analytics.writer-messages.ts';
import { ringReader } from './analytics.writer-ring.ts';

/** How long frames gather in the ring after a wake-up: the writer batches for longer (CLICK_FLUSH_MS) anyway. */
const GATHER_MS = 10;

const data = workerData as WriterThreadData;
const port = parentPort!;
const post = (message: FromWriter) => port.postMessage(message);

// A thread may wait for a lock: the redirects are on the other thread.
const database = openDatabase(data.databaseUrl, { ...data.databaseOptions, sqliteBusyTimeoutMs: Math.max(data.databaseOptions.sqliteBusyTimeoutMs, 2_000) });
const logger = createLogger(data.logLevel, `${data.service}/click-writer`);
// On two CPUs shared by redirects, this thread and (on the bench) the load, a batch that took a
// CPU from the redirect thread held that thread's answers for a scheduler slice: niced, it waits
// instead, and the clicks wait in the ring (issue #12, five alternated pairs on the 10,000-link
// mix: p99 3.36-3.98 ms at 10 against 3.96-4.43 ms at 0, lower in each pair, req/s the same; 19
// measured no different from 10).
try {
  const tid = niceThisThread(data.nice);
  if (tid !== null) logger.debug({ tid, nice: data.nice }, 'click writer thread reniced');
} catch (error) {
  logger.warn({ err: error, nice: data.nice }, 'could not renice the click writer thread; it keeps the process\'s priority');
}
const registry = new Registry();
// A window's transaction blocks no redirect here, only other writers for its length.
const repository = createAnalyticsRepository(database, { rollupWindowMs: data.rollupWindowMs, rollupMaxKeys: ROLLUP_MAX_KEYS_OFF_REDIRECT_THREAD, logger });
// Deliveries are queued here too; the main thread's dispatcher finds them at its next poll.
const ingestion = createClickIngestion(repository, queueWebhookDeliveries(database, logger));

async function start() {
  const spool = createWriterSpool({ spool: createSpool(data.spoolDir), databaseId: await ingestion.databaseId(), ingest: ingestion.ingest, registry, logger });
  const writer = createClickWriter({ ingest: ingestion.ingest, foldRollups: repository.foldRollups, flushMs: data.flushMs, batchMax: data.batchMax, registry, logger, spool });
  // What the main thread shows on /metrics: this thread's counters, sent as they change.
  const report = async () => {
    const values = await registry.getMetricsAsJSON();
    const sum = (name: string) => values.find((m) => m.name === name)?.values.reduce((n, v) => n + v.value, 0) ?? 0;
    const totals = Object.fromEntries(MIRRORED_COUNTERS.map((m) => [m.name, sum(m.name)])) as Record<MirroredCounter, number>;
    post({ type: 'counts', totals, buffered: sum(METRICS.clicksBuffered.name) });
  };
  const reporter = setInterval(() => void report(), Math.max(data.flushMs, 250));

  // The redirect thread's frames: taken out of the ring when it wakes this thread, at most once per GATHER_MS.
  const ring = ringReader(data.ring);
  const take = (frame: Uint8Array) => {
    const clicks = decodeClickFrame(frame);
    for (const click of clicks) writer.record(click);
    return clicks.length;
  };
  void (async () => {
    for (;;) {
      await ring.written();
      await sleep(GATHER_MS);
      ring.drain(take);
    }
  })();

  port.on('message', (message: ToWriter) => {
    // What the redirect thread wrote to the ring before this message is stored before it is answered.
    ring.drain(take);
    switch (message.type) {
      case 'frame':
        take(message.frame);
        return;
      case 'clicks':
        for (const click of message.clicks) writer.record(click);
        return;
      case 'flush':
      case 'settle':
        writer[message.type]().then(
          async () => {
            await report();
            post({ type: 'flushed', id: message.id, error: null });
          },
          (error: unknown) => post({ type: 'flushed', id: message.id, error: error instanceof Error ? error.message : String(error) }),
        );
        return;
      case 'close':
        clearInterval(reporter);
        writer
          .close()
          .then(repository.closeRollups)
          .then(report)
          .then(() => database.close())
          .then(
            () => post({ type: 'closed', error: null }),
            (error: unknown) => post({ type: 'closed', error: error instanceof Error ? error.message : String(error) }),
          );
        return;
    }
  });
  post({ type: 'ready' });
}

start().catch((error: unknown) => {
  logger.error({ err: error }, 'click writer thread failed to start');
  throw error;
});
