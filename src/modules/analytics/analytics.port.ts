import type { Static } from 'typebox';
import type { Principal } from '../../common/principal.ts';
import type {
  BotsFilterSchema,
  ClickEventSchema,
  EventsReply,
  LinkRefSchema,
  LinkStatsSchema,
  RejectedEventSchema,
  StatsRangeSchema,
  UserClicksSchema,
  UserStatsSchema,
} from './analytics.schemas.ts';

/** One redirect served. Built by the redirector after it answered; `id` makes delivery idempotent. */
export type ClickEvent = Static<typeof ClickEventSchema>;
export type LinkStats = Static<typeof LinkStatsSchema>;
export type UserStats = Static<typeof UserStatsSchema>;
export type UserClicks = Static<typeof UserClicksSchema>;
export type StatsRange = Static<typeof StatsRangeSchema>;
/** `?bots=`: which clicks the stats count (human, all, or bot clicks). */
export type BotsFilter = Static<typeof BotsFilterSchema>;
export type LinkRef = Static<typeof LinkRefSchema>;
/** An event of a batch that POST /events refused on its own: its place in the batch and why. */
export type RejectedEvent = Static<typeof RejectedEventSchema>;
export type IngestResult = Static<typeof EventsReply>;
export type Counted = LinkStats['referrers'][number];

// Three narrow ports, one per kind of consumer: the redirector's click sink is declared by the
// redirector (redirector.port.ts); the writer and the sender implement it.

/** Storing clicks: what POST /events and the in-process writer call. */
export interface ClickIngestion {
  /** Stores a batch now, in one transaction; events whose id was seen before are skipped. */
  ingest(events: readonly ClickEvent[]): Promise<IngestResult>;
  /** The id of the database the clicks go to, made once by a migration: a spool replays only into it. */
  databaseId(): Promise<string>;
}

/**
 * How a redirector in its own process hands batches to analytics: POST /events today, a queue
 * later. The sender only knows this shape.
 */
export interface ClickTransport {
  send(events: readonly ClickEvent[]): Promise<IngestResult>;
  /**
   * Whole click frames, one after another, as the journal wrote them: `rejected` indexes count
   * the frames' clicks in order. A receiving end that does not know frames refuses them (415).
   */
  sendFrames(frames: Uint8Array): Promise<IngestResult>;
  /** The id of the database behind the receiving end (see ClickIngestion.databaseId). */
  identify(): Promise<string>;
}

/** Reading clicks: what the stats routes, links' click totals and the redirector's quota use. */
export interface AnalyticsQueries {
  /** Human clicks per link id; a link with none has no entry. */
  totalsFor(linkIds: readonly string[]): Promise<Map<string, number>>;
  /** The stats of one link, which the caller has already checked belongs to the principal; `bots` defaults to exclude. */
  linkStats(link: LinkRef, range: StatsRange, bots?: BotsFilter): Promise<LinkStats>;
  /** Clicks and top links over everything the owner has; `bots` defaults to exclude. */
  userClicks(owner: Principal, bots?: BotsFilter): Promise<UserClicks>;
  /**
   * The codes redirected most in about the last `hours` hours, every owner's, bots included, most
   * first and at most `limit`: what a starting redirector loads into its cache.
   */
  hotCodes(hours: number, limit: number): Promise<string[]>;
}

/**
 * What the stats routes need from links: the caller's own link as `{ id, code }` only (or
 * LINK_NOT_FOUND), so no click total is fetched back from analytics; and a count.
 */
export interface LinkLookup {
  owned(owner: Principal, code: string): Promise<LinkRef>;
  count(owner: Principal): Promise<number>;
}
