import type { Registry } from 'prom-client';
import { METRICS, counter, gauge } from '../../common/metrics.catalogue.ts';
import { AppError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import type { ClickEvent, ClickTransport, IngestResult } from './analytics.port.ts';
import { decodeClickFrame } from './analytics.click-frame.ts';
import { oneDrainAtATime } from './analytics.flush.ts';
import type { FrameClickWriter } from './analytics.writer.ts';
import { EVENTS_PER_POST_MAX } from './analytics.schemas.ts';
import type { Spool } from './analytics.spool.ts';

export interface ClickSenderDeps {
  /** Delivers batches and names the database behind them; the sender does not know it is HTTP. */
  transport: ClickTransport;
  /** Where refused clicks are quarantined, and where an earlier version's sender spooled clicks (replayed from here). */
  spool: Spool;
  flushMs: number;
  /** At most this many clicks per send of frames (and never over EVENTS_PER_POST_MAX); events recorded one by one go EVENTS_PER_BODY at a time. */
  batchMax: number;
  /** At most this many bytes of frames per send (the receiving end's BODY_LIMIT_BYTES); one frame alone may be more. */
  bodyBytesMax?: number;
  registry: Registry;
  logger: Logger;
  replayEveryMs?: number;
  /** How long one send may take before its batch is let go (to the journal). */
  sendTimeoutMs?: number;
  /** After analytics refused frames (415), how long clicks go as JSON before frames are offered again. */
  framesRetryMs?: number;
}

/**
 * Events per JSON body: 500 take about 175 KB, well inside the default 1 MiB body limit. Frames
 * take about a tenth of that a click, so their sends are bounded by batchMax and bodyBytesMax
 * instead: on the bench machine 5,000-click sends of frames made `micro-redirector` 12-17%
 * faster than 500-click ones (fewer sends, fewer transactions in analytics).
 */
const EVENTS_PER_BODY = 500;

/**
 * Analytics looked at the batch and said no: sending it again cannot help. 401 (token), 404 (wrong
 * service), 408 and 429 mean "not now" and are spooled like an outage instead.
 */
const isRefusal = (error: unknown) => error instanceof AppError && [400, 413, 415, 422].includes(error.status);

/**
 * Analytics stopped answering part-way through a batch sent in several bodies (a refused batch
 * halved, or refused frames sent again as JSON): `rest` is what it has neither taken nor refused,
 * `taken` how many it took before. Only `rest` goes to the spool: what analytics quarantined or
 * stored is not sent, and quarantined, again.
 */
class StoppedPartWay extends Error {
  constructor(
    readonly rest: readonly ClickEvent[],
    readonly taken: number,
    cause: unknown,
  ) {
    super('analytics stopped answering part-way through a batch', { cause });
  }
}

/** Sends `parts` one after another and returns how many analytics took; if it stops answering, throws what is left. */
async function sendInParts(parts: readonly (readonly ClickEvent[])[], send: (part: readonly ClickEvent[]) => Promise<number>): Promise<number> {
  let taken = 0;
  for (let i = 0; i < parts.length; i++) {
    try {
      taken += await send(parts[i]!);
    } catch (error) {
      const [rest, before, cause] = error instanceof StoppedPartWay ? [error.rest, error.taken, error.cause] : [parts[i]!, 0, error];
      throw new StoppedPartWay([...rest, ...parts.slice(i + 1).flat()], taken + before, cause);
    }
  }
  return taken;
}

/** One turn's clicks as the journal framed them. */
interface Frame {
  bytes: Uint8Array;
  count: number;
}

/** What one send carries: events recorded one by one, or whole frames (never split). */
type Batch = { events: ClickEvent[] } | { frames: Frame[]; count: number };

const sizeOf = (batch: Batch) => ('events' in batch ? batch.events.length : batch.count);
const eventsOf = (batch: Batch) => ('events' in batch ? batch.events : batch.frames.flatMap((frame) => decodeClickFrame(frame.bytes)));

/**
 * Our own timer, not only the HTTP client's (undici checks its timeouts about once a second): the
 * batch reaches the spool on time. A send answered after it only makes a duplicate that analytics skips.
 */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError('UNAVAILABLE', `analytics did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** The sender as the click journal sees it: a sink that may let clicks go, and says so (redirector.port.ts's ClickSink). */
export interface ClickSender extends FrameClickWriter {
  lost(): number;
  reach(): Promise<string | null>;
  storeId(): string | null;
}

/**
 * The click sink of a redirector in its own process: batches clicks into its transport (POST
 * /events), behind the click journal, which has every click on disk before its redirect goes out.
 * A batch is sent once; if analytics does not answer, the sender lets the batch go, and every
 * click after it until analytics answers again, and counts them (`lost`): the journal then keeps
 * its segments and hands them over again once `reach` finds analytics answering (the journal is
 * the redirector's spool). Analytics skips ids it has seen, so at-least-once delivery counts each
 * click once.
 *
 * A turn's clicks come as the journal's frame of them and are sent as such (a body of frames, as
 * the journal wrote them: no event object, no JSON on the redirect thread); clicks that come one
 * by one (the journal handing over what it kept) are sent as JSON events. A refused batch's
 * halving works on events: a frame is read back into its events only on that rare path. The
 * spool is left with two duties: the quarantine, and clicks an earlier version spooled, replayed
 * into their own database (and set aside for another one).
 */
export function createClickSender(deps: ClickSenderDeps): ClickSender {
  const { transport, spool, flushMs, bodyBytesMax = 1_048_576, registry, logger, replayEveryMs = 1_000, sendTimeoutMs = 1_000, framesRetryMs = 60_000 } = deps;
  // CLICK_BATCH_MAX may be set higher for the writer's transactions; analytics takes no more than this a POST.
  const batchMax = Math.min(deps.batchMax, EVENTS_PER_POST_MAX);
  const sent = counter(registry, METRICS.eventsSent);
  const spooled = counter(registry, METRICS.eventsSpooled);
  const replayed = counter(registry, METRICS.eventsReplayed);
  const quarantined = counter(registry, METRICS.eventsQuarantined);
  const foreign = counter(registry, METRICS.eventsForeign);
  // Registered here, with its neighbours; the click journal adds to it (clicks neither the disk nor memory could keep).
  counter(registry, METRICS.eventsDropped);
  const buffer: ClickEvent[] = [];
  const frames: Frame[] = [];
  let framedClicks = 0;
  // An analytics of an earlier version answers frames with 415: then they go as events for a while
  // (framesRetryMs), and are offered again, since that analytics may have been upgraded since.
  let framesRefusedAt = -Infinity;
  // Once a delivery failed, clicks are let go at once (the journal has them) until analytics answers again.
  let analyticsDown = false;
  /** Clicks let go since start: the journal compares it with what it saw last. */
  let lostClicks = 0;
  // Batches an earlier version's sender spooled: replayed once analytics answers.
  let spoolToReplay = !spool.isEmpty();
  let database: string | null = null;
  gauge(registry, METRICS.clicksBuffered, function () { this.set(buffer.length + framedClicks); });

  // The journal hands a kept segment over again whole, clicks analytics refused included: each is
  // quarantined once. Ids only, and forgotten past 100,000 (refusals are rare).
  const quarantinedIds = new Set<string>();
  function quarantine(events: readonly ClickEvent[], reason: string): void {
    const fresh = events.filter((event) => !quarantinedIds.has(event.id));
    if (fresh.length === 0) return;
    if (quarantinedIds.size + fresh.length > 100_000) quarantinedIds.clear();
    for (const event of fresh) quarantinedIds.add(event.id);
    spool.quarantine(fresh, reason);
    quarantined.inc(fresh.length);
    logger.error({ events: fresh.length, reason }, 'analytics refused click events as invalid; quarantined');
  }

  /**
   * Analytics' answer to one send, within the deadline. It names the database that stored the
   * clicks: analytics may have moved to another one since the sender last asked, with no send
   * failing in between (a restart while no click came), and the journal keeps an outage's clicks
   * for the database the sender names.
   */
  async function answerOf(send: Promise<IngestResult>): Promise<IngestResult> {
    const result = await withDeadline(send, sendTimeoutMs);
    if (result.database !== undefined) noteDatabase(result.database);
    return result;
  }

  /** Quarantines the events of a sent batch that analytics rejected one by one; returns how many it took. */
  function taken(events: readonly ClickEvent[], { rejected = [] }: IngestResult): number {
    if (rejected.length > 0) quarantine(rejected.map((r) => events[r.index] as ClickEvent), JSON.stringify(rejected));
    return events.length - rejected.length;
  }

  /**
   * Sends once and returns how many events analytics took. A refused batch is halved until the
   * refused events are alone, and those are quarantined; throws when analytics did not answer
   * (StoppedPartWay, with what is left, once some halves went through).
   */
  async function sendOnce(batch: readonly ClickEvent[]): Promise<number> {
    try {
      return taken(batch, await answerOf(transport.send(batch)));
    } catch (error) {
      if (!isRefusal(error)) throw error;
      if (batch.length === 1) {
        quarantine(batch, (error as Error).message);
        return 0;
      }
      const half = Math.ceil(batch.length / 2);
      return sendInParts([batch.slice(0, half), batch.slice(half)], sendOnce);
    }
  }

  /** Events as JSON bodies of at most EVENTS_PER_BODY each; returns how many analytics took. */
  function sendEvents(events: readonly ClickEvent[]): Promise<number> {
    const bodies: ClickEvent[][] = [];
    for (let i = 0; i < events.length; i += EVENTS_PER_BODY) bodies.push(events.slice(i, i + EVENTS_PER_BODY));
    return sendInParts(bodies, sendOnce);
  }

  /**
   * A batch of frames sent as one body of them. Refused (415 from an analytics that does not know
   * frames, or a 400/413), its clicks are sent again as events, which sendOnce halves and quarantines.
   */
  async function sendFramesOnce(batch: { frames: Frame[]; count: number }): Promise<number> {
    if (Date.now() - framesRefusedAt >= framesRetryMs) {
      try {
        const body = batch.frames.length === 1 ? batch.frames[0]!.bytes : Buffer.concat(batch.frames.map((frame) => frame.bytes));
        const result = await answerOf(transport.sendFrames(body));
        // The frames are read back into events only to name the clicks analytics rejected.
        return result.rejected?.length ? taken(eventsOf(batch), result) : batch.count;
      } catch (error) {
        if (!isRefusal(error)) throw error;
        if ((error as AppError).status === 415) {
          framesRefusedAt = Date.now();
          logger.warn({ retryMs: framesRetryMs }, 'analytics does not take click frames (an earlier version?); sending clicks as JSON events for now');
        }
      }
    }
    return sendEvents(eventsOf(batch));
  }

  /** Recorded events first (a replayed journal is older than any turn), then whole frames up to batchMax clicks. */
  function nextBatch(): Batch {
    if (buffer.length > 0) return { events: buffer.splice(0, EVENTS_PER_BODY) };
    let [count, bytes, taken] = [0, 0, 0];
    const fits = (next: Frame) => count + next.count <= batchMax && bytes + next.bytes.length <= bodyBytesMax;
    while (taken < frames.length && (taken === 0 || fits(frames[taken]!))) {
      count += frames[taken]!.count;
      bytes += frames[taken++]!.bytes.length;
    }
    framedClicks -= count;
    return { frames: frames.splice(0, taken), count };
  }


  /** Asks analytics which database it writes to. */
  async function learnDatabase(): Promise<void> {
    noteDatabase(await transport.identify());
  }

  /** Analytics writes to `id`: batches an earlier version's spool set aside for it become replayable. */
  function noteDatabase(id: string): void {
    if (id === database) return;
    database = id;
    if (spool.adopt(id)) spoolToReplay = true;
  }

  /** Analytics did not take `batch`: it is let go, counted, and left to the journal, which keeps it. */
  function letGo(batch: Batch): void {
    lostClicks += sizeOf(batch);
    spooled.inc(sizeOf(batch));
  }

  /**
   * Sends what was buffered when it began (clicks recorded meanwhile wait for the next drain);
   * rejects when analytics did not take all of it (the journal keeps what it did not).
   */
  async function drain(): Promise<void> {
    const lostBefore = lostClicks;
    for (let left = buffer.length + framedClicks; left > 0 && (buffer.length > 0 || frames.length > 0); ) {
      let batch = nextBatch();
      left -= sizeOf(batch);
      if (analyticsDown) {
        letGo(batch);
        continue;
      }
      try {
        // Events come one by one only from the journal handing over what it kept.
        const took = 'events' in batch ? await sendOnce(batch.events) : await sendFramesOnce(batch);
        sent.inc(took);
        if ('events' in batch) replayed.inc(took);
        // An analytics of an earlier version does not name its database in the answer: ask it.
        if (database === null) void learnDatabase().catch(() => undefined);
      } catch (error) {
        if (error instanceof StoppedPartWay) {
          sent.inc(error.taken);
          batch = { events: [...error.rest] };
        }
        logger.warn({ err: error, events: sizeOf(batch) }, 'analytics did not answer; the click journal keeps the clicks until it does');
        analyticsDown = true;
        letGo(batch);
      }
    }
    if (lostClicks > lostBefore) throw new AppError('UNAVAILABLE', `analytics did not take ${lostClicks - lostBefore} clicks; the click journal keeps them`);
  }

  /** Resolves once every click recorded before the call is sent; rejects if analytics did not take them all. */
  const flush = oneDrainAtATime(drain);

  /** Asks analytics who it is; once it answers, clicks are sent again. Throws while it does not. */
  async function reach(): Promise<string | null> {
    // Asked each time: analytics may have come back on another database.
    await learnDatabase();
    if (analyticsDown) logger.info('analytics reachable again');
    analyticsDown = false;
    return database;
  }

  let replaying = false;
  /**
   * Every replayEveryMs, while analytics answers: an earlier version's spool. Whether analytics
   * answers again after an outage is the journal's question (`reach`), asked once it has kept
   * what was let go: asked here too, it could name a new database before the journal has noted
   * which one the clicks let go were meant for.
   */
  async function replay(): Promise<void> {
    // One replay at a time: a slow analytics must not get the same spool several times over.
    if (!spoolToReplay || analyticsDown || replaying) return;
    replaying = true;
    try {
      await learnDatabase();
      const result = await spool.replay(async (events) => void replayed.inc(await sendOnce(events)), database);
      if (result.foreign > 0) {
        foreign.inc(result.foreign);
        logger.warn({ events: result.foreign, database }, 'spooled clicks belong to another analytics database; kept aside, not replayed here');
      }
      spoolToReplay = !spool.isEmpty();
      if (!spoolToReplay) logger.info('spool of an earlier version replayed');
    } catch {
      // Still down: the next tick tries again.
    } finally {
      replaying = false;
    }
  }

  // Learn the database early: the journal keeps an outage's clicks for the database it names.
  void learnDatabase().catch(() => undefined);
  const flushTimer = setInterval(() => void flush().catch(() => undefined), flushMs);
  const replayTimer = setInterval(() => void replay(), replayEveryMs);
  flushTimer.unref();
  replayTimer.unref();

  return {
    record(click) {
      buffer.push(click);
      if (buffer.length >= EVENTS_PER_BODY) void flush().catch(() => undefined);
    },
    recordFrame(frame, count) {
      frames.push({ bytes: frame, count });
      framedClicks += count;
      if (framedClicks >= batchMax) void flush().catch(() => undefined);
    },
    flush,
    // Sent is as far as a redirector sees: the stats are analytics's (its flush hook settles them).
    settle: flush,
    lost: () => lostClicks,
    reach,
    storeId: () => database,
    async close() {
      clearInterval(flushTimer);
      clearInterval(replayTimer);
      try {
        await flush();
      } catch (error) {
        logger.warn({ err: error }, 'analytics did not take every click before shutdown; the click journal keeps them for the next start');
      }
    },
  };
}
