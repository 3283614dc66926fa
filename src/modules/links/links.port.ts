import type { Static } from 'typebox';
import type { Problem } from '../../common/errors.ts';
import type { Principal } from '../../common/principal.ts';
import type {
  CreateLinkBody,
  LinkPageSchema,
  LinkSchema,
  ListQuery,
  RedirectTypeSchema,
  TargetRuleSchema,
  ResolvedLinkSchema,
  UpdateLinkBody,
} from './links.schemas.ts';

/** The port's data types are the schemas' static types: a shape is written once, in links.schemas.ts. */
export type RedirectType = Static<typeof RedirectTypeSchema>;
/** One targeting rule of a link: conditions on the visitor, and where a visitor who meets them goes. */
export type TargetRule = Static<typeof TargetRuleSchema>;
/** A link as the API shows it to its owner; `clicks` is null when analytics did not answer in time. */
export type Link = Static<typeof LinkSchema>;
/** What the redirector needs to answer a code: no owner-facing fields, times in epoch ms. */
export type ResolvedLink = Static<typeof ResolvedLinkSchema>;
export type CreateLinkInput = Static<typeof CreateLinkBody>;
/** PATCH: absent leaves a field alone, null clears it. */
export type UpdateLinkInput = Static<typeof UpdateLinkBody>;
export type LinkQuery = Static<typeof ListQuery>;
export type LinkPage = Static<typeof LinkPageSchema>;

/** One item of a bulk create: the link made, or the problem its own request would have had. */
export interface BulkItemResult {
  index: number;
  status: number;
  link?: Link;
  problem?: Problem;
}

export interface BulkResult {
  created: number;
  failed: number;
  results: BulkItemResult[];
}

/** Owner-scoped link management plus the redirector's lookup. */
export interface LinksPort {
  /** Throws INVALID_URL, INVALID_CODE, VALIDATION, CODE_TAKEN. */
  create(owner: Principal, input: CreateLinkInput): Promise<Link>;
  /**
   * Up to BULK_MAX items, each checked like a create body and created on its own: one bad item
   * never blocks the others, and a failed item leaves nothing behind.
   */
  createMany(owner: Principal, items: readonly unknown[]): Promise<BulkResult>;
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
  /** resolve() for many codes in one lookup: one answer per code, in order (a cold redirector cache's misses). */
  resolveMany(codes: readonly string[]): Promise<(ResolvedLink | null)[]>;
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
