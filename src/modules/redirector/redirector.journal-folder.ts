import { close, closeSync, fsync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../common/logger.ts';
import { decodeClickFrames, type ClickEvent } from '../analytics/index.ts';

// The click journal's folder (redirector.journal.ts): how its files are named, read, synced and
// locked. What goes into them, and when, is the journal's.

/**
 * `<start ms>-<pid>-<random>-<n>.clk`: replayed oldest first; two journals of one process never
 * share a name. Earlier versions wrote `.jsonl` segments (a JSON array per line): still replayed.
 */
export const SEGMENT = /^\d+-\d+-[A-Za-z0-9_-]+-\d+\.(clk|jsonl)$/;

/** Segments kept for another store than the one answering, one folder per store, under the journal's. */
const ASIDE = 'aside';
export const asideDir = (dir: string, store: string) => join(dir, ASIDE, store.replace(/[^A-Za-z0-9_-]/g, '_'));
/** Names the store (analytics database) the segments in the journal's folder are meant for. */
const STORE_FILE = 'store';

export function readStore(dir: string): string | null {
  try {
    return readFileSync(join(dir, STORE_FILE), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** Written aside and renamed over, fsynced: a crash leaves the old name or the new, never half of one. */
export function writeStore(dir: string, store: string): void {
  const path = join(dir, STORE_FILE);
  const fd = openSync(`${path}.tmp`, 'w');
  try {
    writeSync(fd, store);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(`${path}.tmp`, path);
}

/** True when some folder under `aside/` holds a segment; anything else there is ignored. */
export function anySetAside(dir: string): boolean {
  const aside = join(dir, ASIDE);
  try {
    return readdirSync(aside, { withFileTypes: true }).some((entry) => entry.isDirectory() && readdirSync(join(aside, entry.name)).some((name) => SEGMENT.test(name)));
  } catch {
    return false;
  }
}

/** fsync, then close, off the calling thread; a failed fsync is logged (the segment is still kept until its clicks are stored). */
export function syncAndClose(fd: number, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    fsync(fd, (syncError) => {
      if (syncError) logger.warn({ err: syncError }, 'click journal fsync failed');
      close(fd, () => resolve());
    });
  });
}

/** The batches of one segment: frames, or (from an earlier version) a JSON array per line. */
export function readSegment(path: string): { batches: ClickEvent[][]; torn: boolean } {
  if (path.endsWith('.clk')) return decodeClickFrames(readFileSync(path));
  const batches: ClickEvent[][] = [];
  let torn = false;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    try {
      batches.push(JSON.parse(line) as ClickEvent[]);
    } catch {
      torn = true;
    }
  }
  return { batches, torn };
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/**
 * One process per journal directory: a second one would replay, and delete, segments the first is
 * still writing. A lock left by a process that is gone is taken over.
 */
export function lock(dir: string): void {
  const path = join(dir, 'lock');
  try {
    const holder = Number(readFileSync(path, 'utf8'));
    if (holder !== process.pid && isAlive(holder)) {
      throw new Error(`The click journal ${dir} is in use by process ${holder}: give each process its own JOURNAL_DIR.`);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  writeFileSync(path, String(process.pid));
}

/** Removes the lock at a clean stop. */
export const unlock = (dir: string) => removeQuietly(join(dir, 'lock'));

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
