import type { Principal } from '../../common/principal.ts';

/** One redirect served. Built by the redirector after it answered; `id` makes delivery idempotent. */
export interface ClickEvent {
  id: string;
  linkId: string;
  ownerId: string;
  code: string;
  /** Epoch milliseconds. */
  at: number;
  referrer?: string | null;
  userAgent?: string | null;
  /** Salted daily hash of IP + user agent; the raw IP never leaves the redirector. */
  visitor?: string | null;
  /** ISO 3166 alpha-2 from a trusted proxy header, when there is one. */
  country?: string | null;
}

/** Where the redirector drops clicks: must never block and never throw. */
export interface ClickSink {
  record(click: ClickEvent): void;
}

export interface Counted {
  value: string;
  count: number;
}

export interface LinkStats {
  code: string;
  total: number;
  unique: number;
  bots: number;
  series: { t: string; count: number }[];
  referrers: Counted[];
  browsers: Counted[];
  os: Counted[];
  devices: Counted[];
  countries: Counted[];
}

export interface StatsRange {
  from?: number;
  to?: number;
  interval: 'hour' | 'day';
}

export interface UserStats {
  user: string;
  links: number;
  clicks: number;
  top: { code: string; clicks: number }[];
}

/** An event of a batch that POST /events refused on its own: its place in the batch and why. */
export interface RejectedEvent {
  index: number;
  errors: { field: string; message: string }[];
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  /** Only present when some events were refused; the others were stored. */
  rejected?: RejectedEvent[];
}

export interface AnalyticsPort extends ClickSink {
  /** Stores a batch now, in one transaction; events whose id was seen before are skipped. */
  ingest(events: readonly ClickEvent[]): Promise<IngestResult>;
  /** The id of the database the clicks go to, made once by a migration: a spool replays only into it. */
  databaseId(): Promise<string>;
  /** Human clicks per link id; a link with none has no entry. */
  totalsFor(linkIds: readonly string[]): Promise<Map<string, number>>;
  /** The stats of one link, which the caller has already checked belongs to the principal. */
  linkStats(link: { id: string; code: string }, range: StatsRange): Promise<LinkStats>;
  /** Clicks and top links over everything the owner has. */
  userClicks(owner: Principal): Promise<Omit<UserStats, 'user' | 'links'>>;
}

/** What the stats routes need from links: the caller's own link (or LINK_NOT_FOUND), and a count. */
export interface LinkLookup {
  get(owner: Principal, code: string): Promise<{ id: string; code: string }>;
  count(owner: Principal): Promise<number>;
}
