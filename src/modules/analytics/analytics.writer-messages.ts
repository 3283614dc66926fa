import type { DatabaseOptions } from '../../common/db.ts';
import { METRICS } from '../../common/metrics.catalogue.ts';
import type { ClickEvent } from './analytics.port.ts';
import type { RingBuffers } from './analytics.writer-ring.ts';

/** The writer thread's counters (its writer and its spool), shown on the main thread's /metrics as its own. */
export const MIRRORED_COUNTERS = [METRICS.clicksWritten, METRICS.clicksDuplicate, METRICS.clicksSpooled, METRICS.clicksReplayed, METRICS.clicksForeign] as const;
export type MirroredCounter = (typeof MIRRORED_COUNTERS)[number]['name'];

/** What the click writer thread is started with (CLICK_WRITER=thread). */
export interface WriterThreadData {
  /** The ring the redirect thread copies each turn's click frame into. */
  ring: RingBuffers;
  databaseUrl: string;
  databaseOptions: DatabaseOptions;
  spoolDir: string;
  flushMs: number;
  batchMax: number;
  rollupWindowMs: number;
  logLevel: string;
  service: string;
  /** CLICK_WRITER_NICE: the thread's nice value on Linux. */
  nice: number;
}

/**
 * To the writer thread, beside the ring: a click frame the ring had no room for, clicks one by one
 * (a journal's replay), a flush (stored) or a settle (in the stats), the end. The thread drains
 * the ring before it answers a flush, a settle or the end, so they cover every frame written before.
 */
export type ToWriter =
  | { type: 'frame'; frame: Uint8Array }
  | { type: 'clicks'; clicks: ClickEvent[] }
  | { type: 'flush' | 'settle'; id: number }
  | { type: 'close' };

/** From it: started, a flush done (or failed), its counters, closed. */
export type FromWriter =
  | { type: 'ready' }
  | { type: 'flushed'; id: number; error: string | null }
  | { type: 'counts'; totals: Record<MirroredCounter, number>; buffered: number }
  | { type: 'closed'; error: string | null };
