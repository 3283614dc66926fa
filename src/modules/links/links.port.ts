import type { Principal } from '../../common/principal.ts';

export type RedirectType = 301 | 302 | 307 | 308;

/** A link as the API shows it to its owner. */
export interface Link {
  id: string;
  code: string;
  shortUrl: string;
  url: string;
  title: string | null;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  maxClicks: number | null;
  /** Human clicks so far; null when analytics did not answer in time (unknown, not zero). */
  clicks: number | null;
  redirectType: RedirectType;
  hasPassword: boolean;
}

/** What the redirector needs to answer a code: no owner-facing fields, times in epoch ms. */
export interface ResolvedLink {
  id: string;
  code: string;
  url: string;
  ownerId: string;
  expiresAt: number | null;
  maxClicks: number | null;
  redirectType: RedirectType;
  passwordHash: string | null;
}

export interface CreateLinkInput {
  url: string;
  code?: string;
  title?: string;
  tags?: string[];
  expiresAt?: string;
  maxClicks?: number;
  password?: string;
  redirectType?: RedirectType;
}

/** PATCH: absent leaves a field alone, null clears it. */
export interface UpdateLinkInput {
  url?: string;
  title?: string | null;
  tags?: string[];
  expiresAt?: string | null;
  maxClicks?: number | null;
  password?: string | null;
  redirectType?: RedirectType;
}

export interface LinkQuery {
  limit: number;
  cursor?: string;
  q?: string;
  tag?: string;
}

export interface LinkPage {
  items: Link[];
  nextCursor: string | null;
}

/** Owner-scoped link management plus the redirector's lookup. */
export interface LinksPort {
  /** Throws INVALID_URL, INVALID_CODE, VALIDATION, CODE_TAKEN. */
  create(owner: Principal, input: CreateLinkInput): Promise<Link>;
  /** Newest first. Throws VALIDATION for a bad cursor. */
  list(owner: Principal, query: LinkQuery): Promise<LinkPage>;
  /** Throws LINK_NOT_FOUND, also for another owner's link. */
  get(owner: Principal, code: string): Promise<Link>;
  /** The owner's link as `{ id, code }` only: an ownership check that asks analytics nothing. Throws LINK_NOT_FOUND. */
  owned(owner: Principal, code: string): Promise<{ id: string; code: string }>;
  /** Throws LINK_NOT_FOUND, INVALID_URL, VALIDATION. */
  update(owner: Principal, code: string, patch: UpdateLinkInput): Promise<Link>;
  /** Throws LINK_NOT_FOUND. */
  remove(owner: Principal, code: string): Promise<void>;
  /** Any owner's link by code, for redirects; null when unknown. */
  resolve(code: string): Promise<ResolvedLink | null>;
  /** How many links the owner has. */
  count(owner: Principal): Promise<number>;
}

/** What links needs from analytics: the human click totals shown on each link (absent = 0). */
export interface ClickTotals {
  totalsFor(linkIds: readonly string[]): Promise<Map<string, number>>;
}

/** Told after a link changed or was deleted, so caches of it can be dropped. */
export interface LinkChangeListener {
  linkChanged(code: string): Promise<void>;
}
