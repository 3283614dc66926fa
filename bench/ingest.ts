import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { SETTINGS } from '../src/common/config.ts';
import { migrate, openDatabase } from '../src/common/db.ts';
import { analyticsMigrations, createAnalyticsRepository, createIngest, type ClickEvent } from '../src/modules/analytics/index.ts';
import { createScratch, type DbKind } from '../test/contract/database.ts';
import { CHROME_UA } from './codes.ts';

export interface IngestResult {
  db: DbKind;
  events: number;
  batch: number;
  eventsPerSec: number;
  /** Events per CPU second of this process: on SQLite all the work, so less moved by other load. */
  eventsPerCpuSec: number;
  /** Median and 99th percentile wall time of one ingest call (one transaction), in ms. */
  callMs: { p50: number; p99: number };
  /** SQLite only: database file plus WAL after the run's checkpoint, divided by the events (see fileBytes). */
  bytesPerClick?: number;
  /** SQLite only: the file alone once the last connection closed (SQLite checkpoints and removes the WAL then). */
  bytesPerClickClosed?: number;
  load: number[];
}

const LINKS = 1_000;
const VISITORS = 20_000;
const AGENTS = [
  CHROME_UA,
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
];
const REFERRERS = [null, 'https://news.ycombinator.com/item?id=1', 'https://t.co/abc', 'https://www.google.com/'];
const COUNTRIES = [null, 'US', 'DE', 'FR', 'JP'];

// Ingestion as a running process does it: rollups once per window of ROLLUP_WINDOW_MS's default.
const ROLLUP_WINDOW_MS = Number(SETTINGS.find((s) => s.env === 'ROLLUP_WINDOW_MS')!.default);

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;

/**
 * Clicks as the redirector makes them: ids `<batch>.<seq>` (a per-process prefix and a batch
 * counter, then the base-36 place in the batch), stamped over the last ten minutes, across links
 * with UUID ids (as links makes them) and visitors with 22-character hashes (as the redirector's).
 */
export function syntheticClicks(count: number, batch: number): ClickEvent[] {
  const start = Date.now() - 600_000;
  const prefix = `${Date.now().toString(36)}-${randomBytes(4).toString('base64url')}`;
  const owners = Array.from({ length: 10 }, () => randomUUID());
  const links = Array.from({ length: LINKS }, (_, i) => ({ id: randomUUID(), n: i, code: `i${i}` }));
  const visitors = Array.from({ length: VISITORS }, (_, i) => createHash('sha256').update(String(i)).digest('base64url').slice(0, 22));
  return Array.from({ length: count }, (_, i) => {
    const link = pick(links);
    const at = start + Math.floor((i / count) * 600_000);
    return {
      id: `${prefix}-${Math.floor(i / batch).toString(36)}.${(i % batch).toString(36)}`,
      linkId: link.id,
      ownerId: owners[link.n % owners.length]!,
      code: link.code,
      at,
      referrer: pick(REFERRERS),
      userAgent: pick(AGENTS),
      visitor: pick(visitors),
      country: pick(COUNTRIES),
    };
  });
}

const size = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

/**
 * The analytics writer's path without its timer: createIngest, batch after batch, into a fresh
 * database, rollups written once per window as in a running process (and the last window within
 * the time). Events are built before the clock starts, so only storing them is timed.
 * Bytes per click on SQLite: the file plus its WAL after a PASSIVE checkpoint (what SQLite's
 * auto-checkpoint does while the system runs; no VACUUM, no TRUNCATE), and the file again after close.
 */
export async function measureIngest(db: DbKind, events: number, batch: number): Promise<IngestResult> {
  const scratch = await createScratch(db);
  const database = openDatabase(scratch.databaseUrl);
  const file = scratch.databaseUrl.slice('sqlite:'.length);
  let closed = false;
  try {
    await migrate(database, 'analytics', analyticsMigrations);
    const repository = createAnalyticsRepository(database, { rollupWindowMs: ROLLUP_WINDOW_MS });
    const ingest = createIngest(repository);
    const clicks = syntheticClicks(events, batch);
    const calls: number[] = [];
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (let i = 0; i < clicks.length; i += batch) {
      const t = performance.now();
      await ingest(clicks.slice(i, i + batch));
      calls.push(performance.now() - t);
    }
    // The clock stops once the last window's rollups are written too.
    await repository.closeRollups();
    const seconds = (performance.now() - started) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    calls.sort((a, b) => a - b);
    const result: IngestResult = {
      db,
      events,
      batch,
      eventsPerSec: Math.round(events / seconds),
      eventsPerCpuSec: Math.round(events / ((user + system) / 1e6)),
      callMs: { p50: round(percentile(calls, 0.5), 2), p99: round(percentile(calls, 0.99), 2) },
      load: loadavg().map((l) => round(l, 2)),
    };
    if (database.sqlite) {
      database.sqlite.pragma('wal_checkpoint(PASSIVE)');
      result.bytesPerClick = round((size(file) + size(`${file}-wal`)) / events);
      await database.close();
      closed = true;
      result.bytesPerClickClosed = round((size(file) + size(`${file}-wal`)) / events);
    }
    return result;
  } finally {
    if (!closed) await database.close();
    await scratch.remove();
  }
}
