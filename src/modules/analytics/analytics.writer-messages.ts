import type { DatabaseOptions } from '../../common/db.ts';

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
  | { type: 'counts'; written: number; duplicates: number; buffered: number }
  | { type: 'closed'; error: string | null };
