import { randomBytes } from 'node:crypto';
import { close, closeSync, fdatasync, fsync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../common/logger.ts';
import { decodeClickFrames, encodeClickFrame, type ClickEvent, type FrameClick } from '../analytics/index.ts';
import type { ClickRecorder, ClickSink, ResolvedLink, Visit } from './redirector.port.ts';

export type { ClickRecorder };

export interface ClickJournal extends ClickRecorder {
  /** Hands what an earlier process journaled but did not store to the sink; returns how many clicks. */
  replay(): Promise<number>;
  /** Writes what is pending, lets the sink store it, and removes the segments it no longer needs. */
  close(): Promise<void>;
}

export interface ClickJournalDeps {
  /** Where the segments live; null keeps no file (an embedded or test use: a crash then loses the turn's clicks). */
  dir: string | null;
  /** How often the journal is fsynced: a power cut loses at most this much; a crashed process loses nothing. */
  fsyncMs: number;
  /** How often a segment is closed and, once the sink has stored its clicks, deleted. */
  rotateMs: number;
  /** Asked once per distinct address and agent in a turn; the redirector's hasher also remembers a pair's id within the hour (redirector.visitor.ts). */
  visitorId: (ip: string, userAgent: string) => string;
  /** The country of an address (GEOIP_DB), asked when no trusted proxy named one; absent: unknown. */
  countryOf?: (ip: string) => string | null;
  sink: ClickSink;
  logger: Logger;
}

interface Pending {
  link: ResolvedLink;
  visit: Visit;
  at: number;
  target: string | null;
}

/** A process's prefix for batch ids: sortable by start time, unique by its random tail. */
const processPrefix = () => `${Date.now().toString(36)}${randomBytes(4).toString('base64url')}`;

/**
 * `<start ms>-<pid>-<random>-<n>.clk`: replayed oldest first; two journals of one process never
 * share a name. Earlier versions wrote `.jsonl` segments (a JSON array per line): still replayed.
 */
const SEGMENT = /^\d+-\d+-[A-Za-z0-9_-]+-\d+\.(clk|jsonl)$/;

/**
 * The click journal: a redirect is answered only once its click is written to an append-only file
 * (one write per event-loop turn, for every click of that turn), so a process that is killed loses
 * no click whose redirect went out; the file is fsynced every `fsyncMs`, so a power cut loses at
 * most that. Each turn's clicks also go to the sink (the monolith's writer, or the sender to
 * analytics). Every `rotateMs` the segment is closed; once the sink has stored what was handed to
 * it, closed segments are deleted. At start, segments left by an earlier process are replayed:
 * clicks the sink had stored already are skipped by their ids.
 */
export function createClickJournal({ dir, fsyncMs, rotateMs, visitorId, countryOf = () => null, sink, logger }: ClickJournalDeps): ClickJournal {
  const prefix = processPrefix();
  let batches = 0;
  let pending: Pending[] = [];
  let waiting: (() => void)[] = [];
  let scheduled = false;

  let fd: number | null = null;
  let segment = 0;
  let current: string | null = null;
  let dirty = false;
  /** Frames written to the segment in use. */
  let frames = 0;
  /** Segments closed (or replayed) whose clicks the sink has been handed but may not have stored yet. */
  let closed: string[] = [];
  let writeFailed = false;

  if (dir) {
    mkdirSync(dir, { recursive: true });
    lock(dir);
  }
  const startedAt = Date.now();
  const nonce = randomBytes(3).toString('hex');

  function open(): void {
    if (!dir) return;
    current = join(dir, `${startedAt}-${process.pid}-${nonce}-${String(segment++).padStart(6, '0')}.clk`);
    fd = openSync(current, 'a');
    dirty = false;
    frames = 0;
  }

  /**
   * One turn: build the clicks (a visitor id per distinct address and agent, a country per address
   * unless a trusted proxy gave one), journal them as one frame, hand them on, answer. The address
   * goes no further than here: neither the journal nor the sink ever sees it. A sink that takes
   * frames gets the bytes; only a sink that takes events one by one gets them, with their ids
   * (`<batch>.<n>`, as the frame names them).
   */
  function writeTurn(): void {
    scheduled = false;
    const turn = pending;
    const answers = waiting;
    pending = [];
    waiting = [];
    if (turn.length > 0) {
      const batch = `${prefix}-${(batches++).toString(36)}`;
      const visitors = new Map<string, string>();
      const clicks: FrameClick[] = new Array(turn.length);
      for (let i = 0; i < turn.length; i++) {
        const { link, visit, at, target } = turn[i]!;
        const who = `${visit.ip}\n${visit.userAgent}`;
        let visitor = visitors.get(who);
        if (visitor === undefined) visitors.set(who, (visitor = visitorId(visit.ip, visit.userAgent)));
        clicks[i] = {
          linkId: link.id,
          ownerId: link.ownerId,
          code: link.code,
          at,
          referrer: visit.referrer,
          userAgent: visit.userAgent || null,
          visitor,
          country: visit.country ?? countryOf(visit.ip),
        };
        // Only links with targeting rules record one: most clicks carry no `target` at all.
        if (target !== null) clicks[i]!.target = target;
      }
      const frame = encodeClickFrame(batch, clicks);
      append(frame);
      if (sink.recordFrame) sink.recordFrame(frame, clicks.length);
      else clicks.forEach((click, i) => sink.record({ id: `${batch}.${i.toString(36)}`, ...click }));
    }
    for (const answer of answers) answer();
  }

  function append(bytes: Uint8Array): void {
    if (fd === null) return;
    try {
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
      dirty = true;
      frames++;
      writeFailed = false;
    } catch (error) {
      // A full or failing disk must not stop redirects: the clicks still reach the sink, only without the journal's guarantee.
      if (!writeFailed) logger.error({ err: error, segment: current }, 'click journal write failed; clicks go on without it');
      writeFailed = true;
    }
  }

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(writeTurn);
  };

  const syncTimer = setInterval(() => {
    if (fd === null || !dirty) return;
    dirty = false;
    // In the thread pool: the redirect thread never waits for the disk.
    fdatasync(fd, (error) => error && logger.warn({ err: error }, 'click journal fsync failed'));
  }, fsyncMs);
  syncTimer.unref();

  /** Closes the segment in use (when it holds anything), starts the next, and deletes what the sink has stored by now. */
  let rotating: Promise<void> | null = null;
  async function rotate(): Promise<void> {
    if (fd !== null && current && frames > 0) {
      const [full, path] = [fd, current];
      open();
      // Synced and closed in the thread pool: on the redirect thread this took 0.2-6 ms a second under load.
      await syncAndClose(full, logger);
      closed.push(path);
    }
    if (closed.length === 0) return;
    const done = closed;
    try {
      await sink.flush();
    } catch {
      return; // Kept: deleted after a later flush succeeds, or replayed by the next process.
    }
    for (const path of done) removeQuietly(path);
    closed = closed.filter((path) => !done.includes(path));
  }
  const rotateTimer = setInterval(() => {
    rotating ??= rotate().finally(() => (rotating = null));
  }, rotateMs);
  rotateTimer.unref();

  open();

  return {
    record(link, visit, at, target = null) {
      pending.push({ link, visit, at, target });
      schedule();
    },
    afterWrite(done) {
      waiting.push(done);
      schedule();
    },
    async replay() {
      if (!dir) return 0;
      const mine = current;
      const left = readdirSync(dir).filter((name) => SEGMENT.test(name) && join(dir, name) !== mine).sort();
      let clicks = 0;
      for (const name of left) {
        const path = join(dir, name);
        const { batches, torn } = readSegment(path);
        // Cut short by a crash or a power cut (its redirects never went out), or by a failed write
        // the journal went on after: skipped, and the whole frames after it are still read.
        if (torn) logger.warn({ segment: path }, 'click journal: a torn frame skipped');
        for (const batch of batches) {
          for (const click of batch) sink.record(click);
          clicks += batch.length;
        }
        closed.push(path);
      }
      if (clicks > 0) logger.info({ clicks, segments: left.length }, 'click journal replayed');
      rotating ??= rotate().finally(() => (rotating = null));
      await rotating;
      return clicks;
    },
    async close() {
      clearInterval(syncTimer);
      clearInterval(rotateTimer);
      if (scheduled) writeTurn();
      await rotating;
      if (fd !== null && current) {
        fsyncSync(fd);
        closeSync(fd);
        closed.push(current);
        fd = null;
      }
      try {
        await sink.flush();
        for (const path of closed) removeQuietly(path);
      } catch (error) {
        logger.warn({ err: error, segments: closed.length }, 'click journal kept for the next start: the sink did not store every click');
      }
      if (dir) removeQuietly(join(dir, 'lock'));
    },
  };
}

/** fsync, then close, off the calling thread; a failed fsync is logged (the segment is still kept until its clicks are stored). */
function syncAndClose(fd: number, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    fsync(fd, (syncError) => {
      if (syncError) logger.warn({ err: syncError }, 'click journal fsync failed');
      close(fd, () => resolve());
    });
  });
}

/** The batches of one segment: frames, or (from an earlier version) a JSON array per line. */
function readSegment(path: string): { batches: ClickEvent[][]; torn: boolean } {
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

function removeQuietly(path: string): void {
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
function lock(dir: string): void {
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

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
