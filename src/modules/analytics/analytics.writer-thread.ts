import { Worker } from 'node:worker_threads';
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/logger.ts';
import { METRICS, counter, gauge } from '../../common/metrics.catalogue.ts';
import type { ClickEvent } from './analytics.port.ts';
import type { FrameClickWriter } from './analytics.writer.ts';
import { MIRRORED_COUNTERS, type FromWriter, type ToWriter, type WriterThreadData } from './analytics.writer-messages.ts';
import { createRingBuffers, ringWriter } from './analytics.writer-ring.ts';

/** 4 MiB: at 35,000 clicks a second, about 2 s of frames if the thread stopped draining. */
const RING_BYTES = 4 * 1024 * 1024;

// From the sources (tsx) the thread needs tsx too; from dist/ it is plain JavaScript.
const fromSources = import.meta.url.endsWith('.ts');
const ENTRY = new URL(fromSources ? './analytics.writer-worker.ts' : './analytics.writer-worker.js', import.meta.url);

/**
 * CLICK_WRITER=thread: the click writer (batches, SQLite or PostgreSQL transactions, rollups, the
 * spool) runs on a worker thread with its own connection; the redirect thread only copies each
 * turn's click frame (the journal's) into a shared ring (analytics.writer-ring.ts). If the thread
 * dies, the process stops: the journal still holds every click it had not stored, and the next
 * start replays them.
 */
export function startWriterThread(settings: Omit<WriterThreadData, 'ring'>, { registry, logger }: { registry: Registry; logger: Logger }): FrameClickWriter {
  const data: WriterThreadData = { ...settings, ring: createRingBuffers(RING_BYTES) };
  const ring = ringWriter(data.ring);
  // A worker's own entry does not go through `--import tsx`: from the sources it registers tsx, then imports the entry.
  const worker = fromSources
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(ENTRY.href)}); });`, { eval: true, workerData: data })
    : new Worker(ENTRY, { workerData: data });
  const asked = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let nextAsk = 0;
  let closing: ((error: string | null) => void) | null = null;
  let stopped = false;

  const mirrored = MIRRORED_COUNTERS.map((metric) => ({ name: metric.name, counter: counter(registry, metric), seen: 0 }));
  let buffered = 0;
  // Clicks handed over one by one (a journal's replay), posted together at the end of the turn.
  let singles: ClickEvent[] = [];
  gauge(registry, METRICS.clicksBuffered, function () {
    this.set(buffered + ring.clicks() + singles.length);
  });

  // Messages posted before the thread listens wait in its port: the writer is usable at once.
  worker.on('message', (message: FromWriter) => {
    switch (message.type) {
      case 'ready':
        return;
      case 'flushed': {
        const waiting = asked.get(message.id);
        asked.delete(message.id);
        if (message.error === null) waiting?.resolve();
        else waiting?.reject(new Error(message.error));
        return;
      }
      case 'counts':
        for (const m of mirrored) {
          const total = message.totals[m.name] ?? m.seen;
          m.counter.inc(Math.max(0, total - m.seen));
          m.seen = total;
        }
        buffered = message.buffered;
        return;
      case 'closed':
        return closing?.(message.error);
    }
  });
  worker.once('error', (error) => {
    if (stopped) return;
    logger.fatal({ err: error }, 'the click writer thread failed; stopping: the journal keeps the clicks for the next start');
    setImmediate(() => {
      throw error;
    });
  });

  const post = (message: ToWriter) => worker.postMessage(message);
  function postSingles(): void {
    if (singles.length === 0) return;
    post({ type: 'clicks', clicks: singles });
    singles = [];
  }
  /** What the thread's writer answers once done: a flush (stored) or a settle (in the stats). */
  function ask(type: 'flush' | 'settle'): Promise<void> {
    postSingles();
    const id = nextAsk++;
    return new Promise<void>((resolve, reject) => {
      asked.set(id, { resolve, reject });
      post({ type, id });
    });
  }

  return {
    recordFrame(frame, count) {
      // A full ring (the thread far behind) still loses nothing: the frame goes as a message, copied.
      // It may then be stored after later frames; nothing depends on the order (ids make a click
      // count once, and rollups are sums).
      if (!ring.write(frame, count)) post({ type: 'frame', frame: new Uint8Array(frame) });
    },
    record(click) {
      // One by one only in a journal's replay: gathered into one message per turn.
      if (singles.length === 0) setImmediate(postSingles);
      singles.push(click);
    },
    flush: () => ask('flush'),
    settle: () => ask('settle'),
    async close() {
      postSingles();
      stopped = true;
      const error = await new Promise<string | null>((resolve) => {
        closing = resolve;
        post({ type: 'close' });
      });
      await worker.terminate();
      if (error !== null) throw new Error(`click writer thread: ${error}`);
    },
  };
}
