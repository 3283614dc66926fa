import type { DatabaseOptions } from '../../common/db.ts';
import { METRICS } from '../../common/metrics.catalogue.ts';

/** The writer thread's counters (its writer and its spool), shown on the main thread's /metrics as its own. */
export const MIRRORED_COUNTERS = [METRICS.clicksWritten, METRICS.clicksDuplicate, METRICS.clicksSpooled, METRICS.clicksReplayed, METRICS.clicksForeign] as const;
export type MirroredCounter = (typeof MIRRORED_COUNTERS)[number]['name'];

/** What the click writer thread is started with (CLICK_WRITER=thread). */
export interface WriterThreadData {
  databaseUrl: string;
  databaseOptions: DatabaseOptions;
  spoolDir: string;
  flushMs: number;
  batchMax: number;
  rollupWindowMs: number;
  logLevel: string;
  service: string;
}

/** To the writer thread: a turn's clicks as the journal wrote them, a flush (stored) or a settle (in the stats), the end. */
export type ToWriter = { type: 'clicks'; json: string } | { type: 'flush' | 'settle'; id: number } | { type: 'close' };

/** From it: started, a flush done (or failed), its counters, closed. */
export type FromWriter =
  | { type: 'ready' }
  | { type: 'flushed'; id: number; error: string | null }
  | { type: 'counts'; totals: Record<MirroredCounter, number>; buffered: number }
  | { type: 'closed'; error: string | null };
