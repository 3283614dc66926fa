import type { Logger } from '../../common/logger.ts';
import type { ClickEvent } from './analytics.port.ts';
import { createRollupTally, type Rollup } from './analytics.rollup.ts';

/** A click just stored, with the dictionary ids its rollup rows are keyed by. */
export interface StoredClick {
  event: ClickEvent;
  link: number;
  visitor: number | null;
}

/** The rollup of stored clicks: links and visitors by dictionary id. */
export type StoredRollup = Rollup<number, number>;

/**
 * What a dialect does for the window (analytics.sqlite-ingest.ts, analytics.postgres-ingest.ts).
 * A marker is a row of click_unrolled: a run of raw clicks whose rollup is not written yet.
 */
export interface ClickStore {
  /**
   * One transaction: the raw rows of the events not stored before, returned with their ids. With
   * `deferred`, one marker per run of them (the markers' ids returned); else their rollup too.
   */
  store(events: readonly ClickEvent[], deferred: boolean): Promise<{ stored: StoredClick[]; markers: number[] }>;
  /** One transaction: deletes the markers and, only if every one was still there, writes `rollup`. */
  fold(markers: readonly number[], rollup: StoredRollup): Promise<boolean>;
  /** Every marker in the database, and when it was written. */
  markers(): Promise<{ id: number; at: number }[]>;
  /** The clicks of these markers, read back from their raw rows. */
  clicksOf(markers: readonly number[]): Promise<StoredClick[]>;
}

/**
 * The window's bound where its transaction keeps no redirect waiting (the writer's thread, an
 * analytics process): twice the default, so 10,000 links clicked at random fit in one window (its
 * transaction took 155-175 ms on SQLite on the bench machine). Where it runs on the redirect thread
 * (the monolith's inline writer) the default stays.
 */
export const ROLLUP_MAX_KEYS_OFF_REDIRECT_THREAD = 100_000;

export interface RollupWindowOptions {
  /** 0: each batch's rollup in its own transaction. Otherwise the rollups are written once per window. */
  windowMs: number;
  /** A window is written early once its rollup would touch this many rows, which bounds the transaction. */
  maxKeys?: number;
  /** Another process's markers left this long are taken as abandoned (their process died) and rolled up here. */
  orphanMs?: number;
  logger?: Logger;
  now?: () => number;
}

const CLAIM_TRIES = 3;

/**
 * Rollups written once per window instead of once per batch: the raw rows of each batch are
 * committed at once, with a marker per run of them, and their rollup is summed in memory; at the
 * window's end one transaction deletes the markers and writes the summed rollup. Most of a
 * click's cost was its rollup rows (hour, breakdowns, daily unique, link and owner totals), and on
 * many links each batch touched other rows: a window shares them across batches.
 *
 * Exact, whatever fails: a marker's clicks are added to the rollups in the transaction that deletes
 * the marker, and by no other. If this process dies with a window in memory, its markers stay,
 * and the next process (or another one, once they are `orphanMs` old) rolls them up from the raw
 * rows. If someone else took some of them first, the fold finds fewer markers than it wrote,
 * rolls back, and rolls up from the raw rows only those still there. The cost: the stats lag the
 * clicks by up to a window.
 */
export function createRollupWindow(store: ClickStore, options: RollupWindowOptions) {
  const { windowMs, maxKeys = 50_000, orphanMs = 10_000, logger, now = Date.now } = options;
  const bornAt = now();
  let tally = createRollupTally<number, number>();
  let mine: number[] = [];
  // Markers written here whose tally was lost to a failed fold: rolled up from their raw rows.
  const dropped = new Set<number>();
  let timer: NodeJS.Timeout | undefined;
  let queue: Promise<void> = Promise.resolve();
  let closed = false;

  /** Rolls up these markers from their raw rows; a marker someone else took meanwhile is left to them. */
  async function claim(ids: readonly number[]): Promise<void> {
    let wanted = new Set(ids);
    for (let tries = 0; tries < CLAIM_TRIES && wanted.size > 0; tries++) {
      const present = (await store.markers()).map((m) => m.id).filter((id) => wanted.has(id));
      if (present.length === 0) return;
      const sum = createRollupTally<number, number>();
      for (const click of await store.clicksOf(present)) sum.add(click.event, click.link, click.visitor);
      if (await store.fold(present, sum.rows())) {
        present.forEach((id) => dropped.delete(id));
        return;
      }
      wanted = new Set(present);
    }
  }

  /** Markers this process does not hold: written before it started, lost by it, or left long enough. */
  async function claimOrphans(): Promise<void> {
    const held = new Set(mine);
    const orphans = (await store.markers()).filter((m) => !held.has(m.id) && (m.at < bornAt || dropped.has(m.id) || now() - m.at >= orphanMs));
    if (orphans.length > 0) await claim(orphans.map((m) => m.id));
  }

  async function foldOnce(): Promise<void> {
    const [taken, markers] = [tally, mine];
    [tally, mine] = [createRollupTally<number, number>(), []];
    if (markers.length > 0) {
      let done: boolean;
      try {
        done = await store.fold(markers, taken.rows());
      } catch (error) {
        // The markers stay in the database; the next fold rolls them up from their raw rows.
        markers.forEach((id) => dropped.add(id));
        throw error;
      }
      if (!done) await claim(markers);
    }
    await claimOrphans();
  }

  /**
   * Queued after any fold under way, so it covers every batch stored before the call. If it fails,
   * its clicks are rolled up from their raw rows by the next fold, which is scheduled a window later
   * whoever asked: an idle process's stats do not stay behind.
   */
  function fold(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const next = queue.then(foldOnce);
    queue = next.catch(() => {
      if (!closed && windowMs > 0) schedule();
    });
    return next;
  }

  /** A fold nobody waits for: its failure is logged here (and retried as any other). */
  function foldInBackground(): void {
    fold().catch((error: unknown) => logger?.error({ err: error }, 'writing the rollup window failed; its clicks are rolled up from raw rows at the next window'));
  }

  function schedule(): void {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      foldInBackground();
    }, windowMs);
    timer.unref();
  }

  // A window left by a process that died is rolled up at this one's first fold.
  if (windowMs > 0) schedule();

  return {
    /** Stores the events not stored before and returns them; their rollup is written now or at the window's end. */
    async ingest(events: readonly ClickEvent[]): Promise<ClickEvent[]> {
      const { stored, markers } = await store.store(events, windowMs > 0);
      if (markers.length > 0) {
        for (const click of stored) tally.add(click.event, click.link, click.visitor);
        mine.push(...markers);
        if (tally.keys >= maxKeys) foldInBackground();
        else schedule();
      }
      return stored.map((click) => click.event);
    },
    /** Writes the window now; resolves once every click stored before the call is in the rollups. */
    fold,
    /** Stops the timer and writes what the window holds. */
    async close(): Promise<void> {
      closed = true;
      await fold();
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
