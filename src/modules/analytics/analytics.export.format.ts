import { Readable } from 'node:stream';
import type { ExportedClick } from './analytics.export.ts';

export type ExportFormat = 'csv' | 'ndjson';

export const EXPORT_COLUMNS = ['time', 'country', 'referrer', 'browser', 'os', 'device', 'bot', 'visitor'] as const satisfies readonly (keyof ExportedClick)[];

export const EXPORT_MEDIA_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson',
};

// What a spreadsheet reads as a formula (OWASP's list: = + - @, tab and carriage return).
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV field (RFC 4180): a value a spreadsheet would run as a formula gets a leading
 * apostrophe (referrers and proxy-given countries come from visitors), then quotes if needed.
 */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const csvRow = (click: ExportedClick) => EXPORT_COLUMNS.map((c) => csvCell(String(click[c] ?? ''))).join(',') + '\r\n';
const ndjsonRow = (click: ExportedClick) => JSON.stringify(click) + '\n';

/** The export's text, one chunk per page; the CSV header rides with the first page. */
export async function* exportChunks(format: ExportFormat, pages: AsyncIterable<ExportedClick[]>): AsyncGenerator<string> {
  const row = format === 'csv' ? csvRow : ndjsonRow;
  let head = format === 'csv' ? EXPORT_COLUMNS.join(',') + '\r\n' : '';
  for await (const page of pages) {
    yield head + page.map(row).join('');
    head = '';
  }
  if (head) yield head;
}

/**
 * The chunks as a byte stream that reads the next page only when the consumer wants more
 * (backpressure), after the first chunk was read here: a database that fails at once is an
 * error answer, not a 200 cut short. Destroying the stream (a client gone) stops the reads.
 */
export async function primedStream(chunks: AsyncGenerator<string>): Promise<Readable> {
  const first = await chunks.next();
  async function* all() {
    if (first.done) return;
    yield first.value;
    yield* chunks;
  }
  const stream = Readable.from(all(), { objectMode: false });
  // Destroyed before the rest was asked for (a client gone at once), all() never reached the
  // yield* that would pass the close on: close the reader here. A no-op once it has finished.
  stream.once('close', () => void chunks.return(undefined).catch(() => undefined));
  return stream;
}

/** A file name for Content-Disposition: the code with anything but [A-Za-z0-9_-] replaced. */
export const exportFileName = (code: string, format: ExportFormat) => `clicks-${code.replace(/[^A-Za-z0-9_-]/g, '_')}.${format}`;
