import type { Registry } from 'prom-client';
import { METRICS, counter, gauge } from '../../common/metrics.catalogue.ts';
import type { Logger } from '../../common/logger.ts';
import { oneDrainAtATime } from './analytics.flush.ts';
import type { ClickEvent, ClickIngestion } from './analytics.port.ts';
import type { WriterSpool } from './analytics.writer-spool.ts';

export interface ClickWriterDeps {
  ingest: ClickIngestion['ingest'];
  /** Writes the rollup window (repository.foldRollups): settle and close call it. */
  foldRollups?: () => Promise<void>;
  flushMs: number;
  batchMax: number;
  registry: Registry;
  logger: Logger;
  /** Where clicks go when the database will not take them (at shutdown, or after `spillAfterMs` of failures). */
  spool?: WriterSpool;
  spillAfterMs?: number;
  replayEveryMs?: number;
}

/** A click sink with a buffer: the redirector's ClickSink (redirector.port.ts), plus flush and close for its owner. */
export interface ClickWriter {
  /** Never blocks and never throws: a push onto the buffer. */
  record(click: ClickEvent): void;
  /** Writes everything buffered so far; resolves once it is stored (the click journal needs no more). */
  flush(): Promise<void>;
  /** Flushes, then writes the rollup window: resolves once every click recorded so far is in the stats. */
  settle(): Promise<void>;
  /** Stops the timer and flushes what is left. */
  close(): Promise<void>;
}

/**
 * A writer that also takes a whole turn as the journal's frame of it (`count` clicks): the writer
 * thread copies the bytes to its ring, the sender puts them in its POST /events body as they are.
 */
export interface FrameClickWriter extends ClickWriter {
  recordFrame(frame: Uint8Array, count: number): void;
}

/**
 * At most this many clicks per transaction. On SQLite a transaction blocks the event loop while it
 * runs, so a bounded one bounds how long a redirect can wait behind it (about 10-20 ms here).
 */
const TRANSACTION_MAX = 500;

/**
 * The in-process click sink: record() is a push onto an array; a timer (or a full buffer)
 * writes the batch in transactions of at most TRANSACTION_MAX. A failed write keeps the batch and tries again later,
 * so a click is only ever dropped if the process dies mid-batch.
 */
export function createClickWriter(deps: ClickWriterDeps): ClickWriter {
  const { ingest, foldRollups, flushMs, batchMax, registry, logger, spool, spillAfterMs = 5_000, replayEveryMs = 1_000 } = deps;
  let buffer: ClickEvent[] = [];
  let scheduled = false;

  gauge(registry, METRICS.clicksBuffered, function () {
    this.set(buffer.length);
  });
  const written = counter(registry, METRICS.clicksWritten);
  const duplicates = counter(registry, METRICS.clicksDuplicate);

  /** One transaction of at most TRANSACTION_MAX clicks from the front of the buffer; returns how many. */
  async function writeOnce(): Promise<number> {
    const batch = buffer.splice(0, TRANSACTION_MAX);
    try {
      const result = await ingest(batch);
      written.inc(result.accepted);
      duplicates.inc(result.duplicates);
      failingSince = null;
      return batch.length;
    } catch (error) {
      buffer = batch.concat(buffer);
      // Logged once per outage, not on every tick of it.
      if (failingSince === null) logger.error({ err: error, clicks: batch.length }, 'writing clicks failed; keeping them to retry');
      failingSince ??= Date.now();
      // A long outage: move the buffer to disk, so memory stays bounded and a crash loses nothing.
      if (spool && Date.now() - failingSince >= spillAfterMs) spillBuffer('database refused click writes for a while; buffer spooled');
      throw error;
    }
  }

  let failingSince: number | null = null;
  function spillBuffer(reason: string): void {
    const events = buffer;
    buffer = [];
    try {
      spool?.spill(events, reason);
    } catch (error) {
      buffer = events.concat(buffer);
      logger.error({ err: error }, 'spool write failed');
      throw error;
    }
  }

  /** Writes what was buffered when it began; clicks recorded meanwhile wait for the next drain. */
  async function drain(): Promise<void> {
    for (let left = buffer.length; left > 0 && buffer.length > 0; ) {
      left -= await writeOnce();
      // SQLite writes synchronously: let waiting requests in between two transactions.
      if (left > 0 && buffer.length > 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Resolves once every click recorded before the call is written. */
  const flush = oneDrainAtATime(drain);

  async function settle(): Promise<void> {
    await flush();
    await foldRollups?.();
  }

  // The timer stores clicks; their rollups wait for the window's end (ROLLUP_WINDOW_MS).
  const tick = () => {
    scheduled = false;
    flush().catch(() => undefined);
  };
  const timer = setInterval(tick, flushMs);
  timer.unref();
  // What an earlier run spooled is written back as soon as the database takes writes.
  const replayTimer = setInterval(() => void (failingSince === null && spool?.replay()), replayEveryMs);
  replayTimer.unref();
  void spool?.replay();

  return {
    record(click) {
      buffer.push(click);
      if (buffer.length >= batchMax && !scheduled) {
        scheduled = true;
        setImmediate(tick);
      }
    },
    flush,
    settle,
    async close() {
      clearInterval(timer);
      clearInterval(replayTimer);
      try {
        await settle();
      } catch (error) {
        if (!spool) throw error;
        // The database will not take them: keep them on disk for the next start, then exit normally.
        spillBuffer('database unavailable at shutdown; clicks spooled for the next start');
      }
    },
  };
}
