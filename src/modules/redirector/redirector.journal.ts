import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fdatasync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Logger } from '../../common/logger.ts';
import { decodeClickFrame, encodeClickFrame, type FrameClick } from '../analytics/index.ts';
import { SEGMENT, anySetAside, asideDir, lock, readSegment, readStore, removeQuietly, syncAndClose, unlock, writeStore } from './redirector.journal-folder.ts';
import type { ClickRecorder, ClickSink, ResolvedLink, Visit } from './redirector.port.ts';

export type { ClickRecorder };

export interface ClickJournal extends ClickRecorder {
  /** Hands what an earlier process journaled but did not store to the sink, if its store answers; returns how many clicks (0 until it answers). */
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
  /** Told how many kept clicks were set aside for another analytics database (`morphlink_events_foreign_total`). */
  onSetAside?: (clicks: number) => void;
  /** Told how many clicks neither the disk nor memory could keep (`morphlink_events_dropped_total`; must stay 0). */
  onDropped?: (clicks: number) => void;
}

interface Pending {
  link: ResolvedLink;
  visit: Visit;
  at: number;
  target: string | null;
}

/** A process's prefix for batch ids: sortable by start time, unique by its random tail. */
const processPrefix = () => `${Date.now().toString(36)}${randomBytes(4).toString('base64url')}`;

/** Turns the disk refused, kept in memory at most this many clicks. */
const UNWRITTEN_MAX_CLICKS = 100_000;

/**
 * The click journal: a redirect is answered only once its click is written to an append-only file
 * (one write per event-loop turn, for every click of that turn), so a process that is killed loses
 * no click whose redirect went out; the file is fsynced every `fsyncMs`, so a power cut loses at
 * most that. Each turn's clicks also go to the sink (the monolith's writer, or the sender to
 * analytics). Every `rotateMs` the segment is closed; once the sink has stored what was handed to
 * it, closed segments are deleted.
 *
 * The journal is also where clicks wait while the sink cannot store them (analytics down, for a
 * redirector in its own process): the sink lets them go, the journal keeps every segment and hands
 * no turn over until the sink's store answers, then hands the kept segments over again, one at a
 * time. Clicks the sink had stored already are skipped by their ids. Kept segments meant for
 * another analytics database than the one that answers are set aside (`aside/<database>/`) until
 * a process reaches theirs. At start, segments left by an earlier process are handed over the same way.
 */
export function createClickJournal({ dir, fsyncMs, rotateMs, visitorId, countryOf = () => null, sink, logger, onSetAside = () => undefined, onDropped = () => undefined }: ClickJournalDeps): ClickJournal {
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
  /** Segments closed whose clicks the sink has been handed but may not have stored yet. */
  let closed: string[] = [];
  /** Closed segments still being synced and closed in the thread pool: read or delete one only after. */
  const closing = new Map<string, Promise<void>>();
  /**
   * Set once the sink let clicks go (its flush failed, or it counts clicks lost): from then on
   * turns are journaled but not handed over, and every segment is kept (`kept`) until the sink's
   * store answers again; then they are handed over again, one segment at a time. `database`: the
   * store they were meant for (null: not known); if another answers, they are set aside for it.
   */
  let owed: { database: string | null } | null = null;
  let kept: string[] = [];
  let lostSeen = sink.lost?.() ?? 0;
  /** Clicks handed over again from kept segments, for replay()'s answer. */
  let handedAgain = 0;
  let writeFailed = false;
  /** Turns the disk refused, as frames, until the sink has stored them. */
  const unwritten: { frame: Uint8Array; count: number }[] = [];
  let unwrittenClicks = 0;
  /** The store the segments in `dir` are meant for, as written in its STORE_FILE (null: not known). */
  let storeOnDisk = dir ? readStore(dir) : null;
  /** The same, as this process knows it: ahead of the file when writing it failed. */
  let storeMeant = storeOnDisk;
  /**
   * Names the store the segments in `dir` are meant for, on disk, so a later process knows it too.
   * A write the disk refuses is tried again at the next rotation; this process goes by memory.
   */
  function noteStore(store: string | null): void {
    if (store !== null) storeMeant = store;
    if (!dir || storeMeant === null || storeMeant === storeOnDisk) return;
    try {
      writeStore(dir, storeMeant);
      storeOnDisk = storeMeant;
    } catch (error) {
      logger.warn({ err: error }, 'click journal: could not name its analytics database on disk; tries again');
    }
  }

  if (dir) {
    mkdirSync(dir, { recursive: true });
    lock(dir);
  }
  const startedAt = Date.now();
  const nonce = randomBytes(3).toString('hex');

  /** The next segment; if the disk refuses to open it, the one in use stays in use. */
  function open(): void {
    if (!dir) return;
    const path = join(dir, `${startedAt}-${process.pid}-${nonce}-${String(segment++).padStart(6, '0')}.clk`);
    fd = openSync(path, 'a');
    current = path;
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
      const handed = owed === null || !sink.lost;
      // A sink that never lets clicks go holds a turn the disk refused itself (its buffer, its spool).
      if (!append(frame) && sink.lost) keepUnwritten(frame, clicks.length, handed);
      // Owed: the sink's store does not answer; the journal holds the turn until it does. A sink
      // that never lets clicks go is handed every turn; owed, its kept segments wait their turn.
      if (handed) {
        if (sink.recordFrame) sink.recordFrame(frame, clicks.length);
        else clicks.forEach((click, i) => sink.record({ id: `${batch}.${i.toString(36)}`, ...click }));
      }
    }
    for (const answer of answers) answer();
  }

  /** Appends a turn's frame; false when the disk refused it. */
  function append(bytes: Uint8Array): boolean {
    if (fd === null) return true;
    try {
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
      dirty = true;
      frames++;
      writeFailed = false;
      return true;
    } catch (error) {
      // A full or failing disk must not stop redirects: the turn is kept in memory instead (below),
      // without the journal's guarantee against a crash.
      if (!writeFailed) logger.error({ err: error, segment: current }, 'click journal write failed; turns kept in memory until it writes again');
      writeFailed = true;
      return false;
    }
  }

  /**
   * A turn the disk refused, of a sink that may let clicks go: kept in memory until the sink has
   * stored it (a flush that succeeds after it was handed over), and handed over with the kept
   * segments if the sink let it go. Past UNWRITTEN_MAX_CLICKS it is not kept: lost (`onDropped`)
   * if it was not handed over either (a disk full during a long outage), else left to the sink.
   */
  function keepUnwritten(frame: Uint8Array, count: number, handed: boolean): void {
    if (unwrittenClicks + count > UNWRITTEN_MAX_CLICKS) {
      if (!handed) onDropped(count);
      logger.error({ clicks: count, handed }, 'click journal: the disk refuses and memory is full; these clicks are not kept');
      return;
    }
    unwritten.push({ frame, count });
    unwrittenClicks += count;
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

  /**
   * Starts the next segment and files the one in use (when it holds anything) with the segments
   * handed over, or with the kept ones while owed; it is synced and closed in the thread pool (on
   * the redirect thread that took 0.2-6 ms a second under load). Synchronous up to the filing, so
   * no turn falls between the two lists.
   */
  function switchSegment(): void {
    if (fd === null || !current || frames === 0) return;
    const [full, path] = [fd, current];
    open();
    closing.set(path, syncAndClose(full, logger).finally(() => closing.delete(path)));
    (owed ? kept : closed).push(path);
  }

  /** True when the sink counted clicks it let go since the journal last looked. */
  function sinkLostClicks(): boolean {
    const lost = sink.lost?.() ?? 0;
    if (lost === lostSeen) return false;
    lostSeen = lost;
    return true;
  }

  /**
   * The sink let clicks go: keep every segment from now on, and stop handing it turns. They are
   * meant for the store that took the sink's last clicks (it names it in each answer, and learns
   * no other until the journal asks `reach`), else for the one the segments on disk name; that
   * name is written to disk at once, so a later process sets them aside from another store too.
   */
  function becomeOwed(): void {
    if (owed) return;
    noteStore(sink.storeId?.() ?? null);
    owed = { database: storeMeant };
    kept.push(...closed);
    closed = [];
    logger.warn({ segments: kept.length }, 'click journal: the sink did not store every click; keeping them until it answers again');
  }

  /** Deletes segments once their clicks are stored, kept ones once handed over again: every rotateMs. */
  let rotating: Promise<void> | null = null;
  async function rotate(): Promise<void> {
    switchSegment();
    if (owed) await recover();
    if (owed) return;
    const done = closed;
    const doneUnwritten = unwritten.length;
    if (done.length > 0 || doneUnwritten > 0) {
      try {
        await sink.flush();
      } catch {
        // A sink that never lets clicks go (the monolith's writer) still holds them, or its own
        // spool does: the segments stay until a later flush succeeds, or for the next process.
        if (sink.lost) becomeOwed();
        return;
      }
    }
    // Clicks let go since the last look (by the sink's own timer, too): keep everything.
    if (sinkLostClicks()) return becomeOwed();
    forgetUnwritten(doneUnwritten);
    for (const path of done) await remove(path);
    closed = closed.filter((path) => !done.includes(path));
    // All stored: the store answering is the one the segments on disk are meant for from here on.
    noteStore(sink.storeId?.() ?? null);
  }

  function forgetUnwritten(count: number): void {
    for (const { count: clicks } of unwritten.splice(0, count)) unwrittenClicks -= clicks;
  }

  /**
   * Owed: once the sink's store answers, turns go to it again from the next segment on, and the
   * kept segments are handed over again (or, if another database answers than the one they were
   * meant for, set aside for that one, and those set aside for this one adopted). If anything
   * fails on the way (the disk), what is left is kept, owed again, for the next rotation.
   */
  async function recover(): Promise<void> {
    let answering: string | null = null;
    if (sink.reach) {
      try {
        answering = await sink.reach();
      } catch {
        return; // Not yet: the next rotation asks again.
      }
    }
    const meantFor = owed!.database;
    switchSegment();
    let again = kept;
    kept = [];
    owed = null;
    lostSeen = sink.lost?.() ?? lostSeen;
    try {
      // Meant for another store than the one answering: set aside for theirs.
      if (meantFor !== null && answering !== null && meantFor !== answering) {
        await setAside(again, meantFor, answering);
        again = [];
      }
      again = [...again, ...(answering === null ? [] : adopt(answering))];
      noteStore(answering);
      await handOverAgain(again);
    } catch (error) {
      logger.error({ err: error }, 'click journal: handing kept clicks over failed; keeping them for the next rotation');
      becomeOwed();
      kept.unshift(...again.filter((path) => existsSync(path)));
    }
  }

  /**
   * The turns the disk refused, then each kept segment's clicks, to the sink, one segment at a
   * time; after each, the segment in use is switched too, and what was handed over is deleted
   * once the sink says it is stored. Stops (owed again, the rest kept) at the first that is not.
   */
  async function handOverAgain(paths: readonly string[]): Promise<void> {
    let inMemory = unwritten.length;
    for (const { frame } of unwritten) for (const click of decodeClickFrame(frame)) sink.record(click);
    for (const [i, path] of paths.entries()) {
      await closing.get(path);
      const read = readable(path);
      if (read === null) continue;
      const { batches, torn } = read;
      // Cut short by a crash or a power cut (its redirects never went out), or by a failed write
      // the journal went on after: skipped, and the whole frames after it are still read.
      if (torn) logger.warn({ segment: path }, 'click journal: a torn frame skipped');
      let clicks = 0;
      for (const batch of batches) {
        for (const click of batch) sink.record(click);
        clicks += batch.length;
      }
      handedAgain += clicks;
      if (!sink.lost) {
        // A sink that never lets clicks go takes them all; they are deleted with the next flush that succeeds.
        closed.push(path);
        continue;
      }
      switchSegment();
      const settled = closed;
      try {
        await sink.flush();
        if (sinkLostClicks()) throw new Error('the sink let clicks go');
      } catch {
        handedAgain -= clicks;
        becomeOwed();
        kept.unshift(...paths.slice(i));
        return;
      }
      forgetUnwritten(inMemory);
      inMemory = 0;
      for (const done of [path, ...settled]) await remove(done);
      closed = closed.filter((p) => !settled.includes(p));
    }
    if (paths.length > 0) logger.info({ segments: paths.length }, 'click journal: kept clicks handed over again');
  }

  /** Kept segments meant for another store than the one answering: moved to `aside/<store>/`, until a process reaches that one. */
  async function setAside(paths: readonly string[], meantFor: string, answering: string | null): Promise<void> {
    const aside = asideDir(dir!, meantFor);
    mkdirSync(aside, { recursive: true });
    let clicks = 0;
    try {
      for (const path of paths) {
        await closing.get(path);
        const read = readable(path);
        if (read === null) continue;
        renameSync(path, join(aside, basename(path)));
        clicks += read.batches.reduce((n, batch) => n + batch.length, 0);
      }
      // Turns the disk refused belong with them: written there if the disk takes them now (else
      // they stay in memory, and go to the database answering with the rest).
      if (unwritten.length > 0) {
        const name = `${Date.now()}-${process.pid}-${nonce}-${String(segment++).padStart(6, '0')}.clk`;
        writeFileSync(join(aside, name), Buffer.concat(unwritten.map((turn) => turn.frame)));
        clicks += unwrittenClicks;
        forgetUnwritten(unwritten.length);
      }
    } finally {
      onSetAside(clicks);
      logger.warn({ clicks, meantFor, answering }, 'click journal: kept clicks belong to another analytics database; set aside, not sent here');
    }
  }

  /**
   * A segment's clicks; null for one that cannot be read (the disk), moved to `bad/` for an
   * operator instead of blocking every segment after it.
   */
  function readable(path: string): ReturnType<typeof readSegment> | null {
    try {
      return readSegment(path);
    } catch (error) {
      logger.error({ err: error, segment: path }, 'click journal: a segment cannot be read; moved to bad/');
      try {
        mkdirSync(join(dir!, 'bad'), { recursive: true });
        renameSync(path, join(dir!, 'bad', basename(path)));
      } catch {
        // Left where it is: the next start tries it again.
      }
      return null;
    }
  }

  /** Segments set aside for `store` earlier, moved back to be handed over; none when there are none. */
  function adopt(store: string): string[] {
    const aside = dir && asideDir(dir, store);
    if (!aside || !existsSync(aside)) return [];
    return readdirSync(aside)
      .filter((name) => SEGMENT.test(name))
      .sort()
      .map((name) => {
        renameSync(join(aside, name), join(dir!, name));
        return join(dir!, name);
      });
  }

  async function remove(path: string): Promise<void> {
    await closing.get(path);
    removeQuietly(path);
  }
  /** One rotation at a time; a failure (the disk) is logged, and the next rotation tries again. */
  const rotateOnce = () =>
    (rotating ??= rotate()
      .catch((error: unknown) => logger.error({ err: error }, 'click journal: a rotation failed; the segments stay'))
      .finally(() => (rotating = null)));
  const rotateTimer = setInterval(rotateOnce, rotateMs);
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
      const asideAny = anySetAside(dir);
      if (left.length === 0 && !asideAny) return 0;
      // What an earlier process left is owed to the store its segments name (STORE_FILE; none: any):
      // handed over as soon as the sink's store answers, set aside if another one does (and
      // segments set aside for the store answering handed over with them).
      kept.push(...left.map((name) => join(dir, name)));
      owed ??= { database: storeMeant };
      const before = handedAgain;
      await rotateOnce();
      if (handedAgain > before) logger.info({ clicks: handedAgain - before, segments: left.length }, 'click journal replayed');
      return handedAgain - before;
    },
    async close() {
      clearInterval(syncTimer);
      clearInterval(rotateTimer);
      if (scheduled) writeTurn();
      await rotating;
      if (fd !== null && current) {
        fsyncSync(fd);
        closeSync(fd);
        (owed ? kept : closed).push(current);
        fd = null;
      }
      await Promise.all(closing.values());
      try {
        if (owed) throw new Error('the sink does not answer');
        await sink.flush();
        if (sinkLostClicks()) throw new Error('the sink let clicks go');
        for (const path of closed) removeQuietly(path);
        forgetUnwritten(unwritten.length);
      } catch (error) {
        logger.warn({ err: error, segments: closed.length + kept.length }, 'click journal kept for the next start: the sink did not store every click');
      }
      // Only memory held these (the disk refused them): they go with the process.
      if (unwrittenClicks > 0) {
        onDropped(unwrittenClicks);
        logger.error({ clicks: unwrittenClicks }, 'click journal: clicks the disk refused and the sink did not store are lost at shutdown');
      }
      if (dir) unlock(dir);
    },
  };
}

