import type { ClickEvent } from '../analytics/index.ts';
import type { LinksPort, ResolvedLink } from '../links/index.ts';

export type { ResolvedLink };

/**
 * Where the click journal hands each turn's clicks: `record` must never block and never throw.
 * The buffered writer in the monolith, the batching sender in its own process (whose outages the
 * journal itself keeps: see `lost`).
 */
export interface ClickSink {
  record(click: ClickEvent): void;
  /**
   * A whole turn at once, as the frame the journal wrote for it (`count` clicks, named
   * `<batch>.<n>`): a sink on another thread takes the bytes as they are, and the turn's clicks
   * are never made into events on this thread.
   */
  recordFrame?(frame: Uint8Array, count: number): void;
  /** Resolves once every click recorded so far is stored (or safe in the sink's own spool); rejects otherwise. */
  flush(): Promise<void>;
  /**
   * A sink that may let clicks go (the sender to analytics, when analytics does not answer: the
   * journal holds them) counts them here, ever since it started; the journal then keeps its
   * segments and hands them over again once `reach` resolves. A sink without it never lets one go.
   */
  lost?(): number;
  /** Resolves once the store behind the sink answers, with its name (an analytics database id; null: not known); rejects while it does not. */
  reach?(): Promise<string | null>;
  /**
   * The name of the store that took the sink's last clicks, or that `reach` found (null: not known
   * yet). The journal keeps an outage's clicks for it, so it must not move on between clicks let
   * go and the journal's next look.
   */
  storeId?(): string | null;
}

/** The one lookup the redirector needs; a cached wrapper and the bare port both fit. */
export type LinkResolver = Pick<LinksPort, 'resolve'>;

/** What the link cache asks of links: one code on a miss, many at once to refresh links past their TTL. */
export type LinkLookups = Pick<LinksPort, 'resolve' | 'resolveMany'>;

/** What the redirector needs to know about clicks already counted, for maxClicks. */
export interface ClickCounts {
  totalsFor(linkIds: readonly string[]): Promise<Map<string, number>>;
}

/** What a starting redirector asks of clicks already counted: which links to load into its cache. */
export interface HotCodes {
  /** The codes redirected most in about the last `hours` hours, most first, at most `limit`. */
  hotCodes(hours: number, limit: number): Promise<string[]>;
}

/** Cache control, called when a link changes (in-process, over HTTP or from Redis). */
export interface LinkCache extends LinkResolver {
  /** The cached link, synchronously; undefined on a miss (which is then counted by resolve). */
  peek(code: string): ResolvedLink | undefined;
  /**
   * Loads the links of these codes not cached yet (at most the cache's size), a start's guess at
   * what will be asked; resolves to how many were found. Neither a hit nor a miss.
   */
  warm(codes: readonly string[]): Promise<number>;
  invalidate(code: string): void;
  clear(): void;
}

/** One visit of a short URL, as the request told it. */
export interface Visit {
  code: string;
  /** The short URL's query string, without '?', forwarded to the target. */
  query: string;
  ip: string;
  userAgent: string;
  referrer: string | null;
  country: string | null;
  /** True once the visitor gave the right password. */
  unlocked?: boolean;
  /** A HEAD request (link checkers, unfurlers): answered like a GET, but not a click. */
  isProbe?: boolean;
}

/**
 * The redirect thread's whole share of a click: note the link, the time and the visit. Building
 * the click (its id, the visitor hash) and storing it happen once per event-loop turn, for every
 * click of that turn together (the click journal, redirector.journal.ts).
 */
export interface ClickRecorder {
  /** `target`: the URL a link's targeting rules chose, recorded with the click (null: the link has no rules). */
  record(link: ResolvedLink, visit: Visit, at: number, target?: string | null): void;
  /** Calls `done` once every click recorded so far is in the journal: the end of this turn. */
  afterWrite(done: () => void): void;
}
