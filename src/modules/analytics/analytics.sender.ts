import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../common/logger.ts';
import type { ClickEvent, IngestResult } from './analytics.port.ts';
import type { ClickWriter } from './analytics.writer.ts';
import type { Spool } from './analytics.spool.ts';

export interface ClickSenderDeps {
  /** Delivers one batch to the analytics service (POST /events). */
  send(events: readonly ClickEvent[]): Promise<IngestResult>;
  spool: Spool;
  flushMs: number;
  batchMax: number;
  registry: Registry;
  logger: Logger;
  retryDelaysMs?: readonly number[];
  replayEveryMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The click sink of a redirector in its own process: batches clicks into POST /events. When
 * analytics does not answer it retries briefly, then spools the batch to disk, and replays the
 * spool oldest first once analytics answers again. Analytics skips ids it has seen, so
 * at-least-once delivery still counts each click once.
 */
export function createClickSender(deps: ClickSenderDeps): ClickWriter {
  const { send, spool, flushMs, batchMax, registry, logger, retryDelaysMs = [50, 200, 500], replayEveryMs = 1_000 } = deps;
  const counter = (name: string, help: string) => new Counter({ name, help, registers: [registry] });
  const sent = counter('morphlink_events_sent_total', 'Click events delivered to analytics');
  const spooled = counter('morphlink_events_spooled_total', 'Click events written to the local spool');
  const replayed = counter('morphlink_events_replayed_total', 'Spooled click events delivered later');
  const dropped = counter('morphlink_events_dropped_total', 'Click events lost (must stay 0)');
  let buffer: ClickEvent[] = [];
  let writing: Promise<void> | null = null;
  // Once a delivery failed, new batches go straight to the spool until a replay succeeds.
  let analyticsDown = !spool.isEmpty();
  new Gauge({ name: 'morphlink_clicks_buffered', help: 'Clicks waiting to be sent', registers: [registry], collect() { this.set(buffer.length); } });

  async function deliver(batch: ClickEvent[], delays: readonly number[]): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await send(batch);
        return true;
      } catch (error) {
        if (attempt >= delays.length) {
          logger.warn({ err: error, events: batch.length }, 'analytics unreachable; spooling clicks');
          return false;
        }
        await sleep(delays[attempt] as number);
      }
    }
  }

  async function drain(): Promise<void> {
    while (buffer.length > 0) {
      const batch = buffer.splice(0, batchMax);
      if (!analyticsDown && (await deliver(batch, retryDelaysMs))) {
        sent.inc(batch.length);
        continue;
      }
      analyticsDown = true;
      try {
        spool.append(batch);
        spooled.inc(batch.length);
      } catch (error) {
        // The disk refused too: keep the clicks in memory and try again on the next tick.
        logger.error({ err: error }, 'spool write failed');
        buffer = batch.concat(buffer);
        throw error;
      }
    }
  }

  function flush(): Promise<void> {
    writing ??= drain().finally(() => {
      writing = null;
    });
    return writing;
  }

  let replaying = false;
  async function replay(): Promise<void> {
    // One replay at a time: a slow analytics must not get the same spool several times over.
    if (!analyticsDown || replaying) return;
    replaying = true;
    try {
      await spool.replay(async (events) => {
        await send(events);
        replayed.inc(events.length);
      });
      // Batches spooled while the replay ran are still waiting: stay in spool mode until none are.
      analyticsDown = !spool.isEmpty();
      if (!analyticsDown) logger.info('analytics reachable again; spool replayed');
    } catch {
      // Still down: the next tick tries again.
    } finally {
      replaying = false;
    }
  }

  const flushTimer = setInterval(() => void flush().catch(() => undefined), flushMs);
  const replayTimer = setInterval(() => void replay(), replayEveryMs);
  flushTimer.unref();
  replayTimer.unref();

  return {
    record(click) {
      buffer.push(click);
      if (buffer.length >= batchMax) void flush().catch(() => undefined);
    },
    flush,
    async close() {
      clearInterval(flushTimer);
      clearInterval(replayTimer);
      try {
        await flush();
      } catch (error) {
        dropped.inc(buffer.length);
        logger.error({ err: error, events: buffer.length }, 'clicks lost at shutdown');
      }
    },
  };
}
