import { randomUUID } from 'node:crypto';
import { AppError, toProblem } from '../../common/errors.ts';
import { isUniqueViolation } from '../../common/db.ts';
import { compileItemCheck } from '../../common/http/validation.ts';
import type { Logger } from '../../common/logger.ts';
import { hashPassword } from '../../common/password.ts';
import type { Principal } from '../../common/principal.ts';
import type {
  BulkItemResult,
  ClickTotals,
  CreateLinkInput,
  Link,
  LinkChangeListener,
  LinksPort,
  RedirectType,
  ResolvedLink,
  TargetRule,
  UpdateLinkInput,
} from './links.port.ts';
import type { LinkRow, LinksRepository } from './links.repository.ts';
import type { BlockedDomains } from './links.blocklist.ts';
import { boundedTotals } from './links.clicks.ts';
import {
  checkCustomCode,
  checkExpiry,
  checkRules,
  checkTargetUrl,
  generateCode,
  normaliseTags,
  type SelfOrigins,
  type TargetPolicy,
} from './links.rules.ts';
import { BULK_MAX, CreateLinkBody } from './links.schemas.ts';

export interface LinksServiceDeps {
  repository: LinksRepository;
  clicks: ClickTotals;
  /** Told after every update or delete; the call answers only once it resolved. */
  changes: LinkChangeListener;
  baseUrl: string;
  /** Every host:port the server listens on (HOST, PORT): a target there would loop too. A function is asked at each check. */
  listen?: SelfOrigins['listen'] | (() => SelfOrigins['listen']);
  /** Domains no target may be on (BLOCKED_DOMAINS, BLOCKED_DOMAINS_FILE). */
  blocked?: BlockedDomains;
  now?: () => number;
  /** How long a listing waits for click totals before showing them as unknown (CLICK_TOTALS_TIMEOUT_MS). */
  clickTotalsTimeoutMs?: number;
  /** Where a bulk create reports an item that failed on our side. */
  log?: Pick<Logger, 'error'>;
}

const GENERATE_ATTEMPTS = 5;
/** A bulk item is checked as POST /api/links checks its body. */
const checkCreateItem = compileItemCheck<CreateLinkInput>(CreateLinkBody);

export function createLinksService({
  repository,
  clicks,
  changes,
  baseUrl,
  listen = [],
  blocked,
  now = Date.now,
  clickTotalsTimeoutMs = 1_000,
  log,
}: LinksServiceDeps): LinksPort {
  const self: TargetPolicy = {
    baseUrl,
    blocked,
    get listen() {
      return typeof listen === 'function' ? listen() : listen;
    },
  };
  // Strictly increasing per process, so "newest first" is exact even within one millisecond.
  let lastStamp = 0;
  const stamp = () => (lastStamp = Math.max(now(), lastStamp + 1));
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

  const toLink = (row: LinkRow, tags: string[], clickCount: number | null): Link => ({
    id: row.id,
    code: row.code,
    shortUrl: `${baseUrl}/${row.code}`,
    url: row.url,
    title: row.title,
    // Sorted here, not by the database's collation, so a create shows them as a read later does.
    tags: [...tags].sort(),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    expiresAt: iso(row.expires_at),
    maxClicks: row.max_clicks,
    clicks: clickCount,
    redirectType: row.redirect_type as RedirectType,
    hasPassword: row.password_hash !== null,
    rules: rulesOf(row),
  });

  const totalsOrUnknown = boundedTotals(clicks, clickTotalsTimeoutMs);

  async function present(rows: LinkRow[]): Promise<Link[]> {
    const ids = rows.map((r) => r.id);
    const [tags, totals] = await Promise.all([repository.tagsFor(ids), totalsOrUnknown(ids)]);
    return rows.map((row) => toLink(row, tags.get(row.id) ?? [], totals ? (totals.get(row.id) ?? 0) : null));
  }
  const presentOne = async (row: LinkRow) => (await present([row]))[0] as Link;

  async function findOwned(owner: Principal, code: string): Promise<LinkRow> {
    const row = await repository.findOwned(owner.id, code);
    // Another owner's link answers exactly like a missing one: no existence leak.
    if (!row) throw new AppError('LINK_NOT_FOUND', `No link with code ${code}.`);
    return row;
  }

  async function insertWithCode(row: Omit<LinkRow, 'code'>, code: string | undefined, tags: string[]): Promise<LinkRow> {
    for (let attempt = 1; ; attempt++) {
      const candidate = { ...row, code: code ?? generateCode() };
      try {
        await repository.insert(candidate, tags);
        return candidate;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        if (code !== undefined) throw new AppError('CODE_TAKEN', `The code ${code} is already taken.`);
        if (attempt >= GENERATE_ATTEMPTS) throw error;
      }
    }
  }

  async function create(owner: Principal, input: CreateLinkInput): Promise<Link> {
    const code = input.code === undefined ? undefined : checkCustomCode(input.code);
    const at = stamp();
    const tags = normaliseTags(input.tags ?? []);
    const row = await insertWithCode(
      {
        id: randomUUID(),
        owner_id: owner.id,
        url: checkTargetUrl(input.url, self),
        title: input.title ?? null,
        created_at: at,
        updated_at: at,
        expires_at: input.expiresAt === undefined ? null : checkExpiry(input.expiresAt, now()),
        max_clicks: input.maxClicks ?? null,
        password_hash: input.password === undefined ? null : await hashPassword(input.password),
        redirect_type: input.redirectType ?? 302,
        rules: storedRules(input.rules === undefined ? null : checkRules(input.rules, self)),
      },
      code,
      tags,
    );
    // Nothing after the insert may fail: a 5xx must mean nothing was stored. A new link has no clicks.
    return toLink(row, tags, 0);
  }

  return {
    create,

    async createMany(owner, items) {
      if (items.length > BULK_MAX) {
        throw new AppError('VALIDATION', `At most ${BULK_MAX} links per request.`, [{ field: 'links', message: `must have at most ${BULK_MAX} items` }]);
      }
      const results: BulkItemResult[] = [];
      let stopped: AppError | null = null;
      for (const [index, item] of items.entries()) {
        // After a failure of ours (the database went away), the rest are not tried: each says so.
        if (stopped) {
          results.push({ index, status: stopped.status, problem: toProblem(stopped) });
          continue;
        }
        try {
          results.push({ index, status: 201, link: await create(owner, checkCreateItem(item)) });
        } catch (error) {
          const refusal = error instanceof AppError && error.status < 500 ? error : null;
          if (!refusal) {
            log?.error({ err: error, index }, 'bulk create: an item failed on our side; the rest are not tried');
            stopped = new AppError('UNAVAILABLE', `Not tried: item ${index} failed on our side; send the items from ${index} again.`);
          }
          const failure = refusal ?? (error instanceof AppError ? error : new AppError('INTERNAL', 'Something went wrong on our side.'));
          results.push({ index, status: failure.status, problem: toProblem(failure) });
        }
      }
      const created = results.filter((r) => r.status === 201).length;
      return { created, failed: results.length - created, results };
    },

    async list(owner, query) {
      const rows = await repository.list(owner.id, {
        limit: query.limit + 1,
        after: query.cursor ? decodeCursor(query.cursor) : null,
        q: query.q,
        tag: query.tag,
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: await present(page),
        nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null,
      };
    },

    get: async (owner, code) => presentOne(await findOwned(owner, code)),

    async owned(owner, code) {
      const { id, code: own } = await findOwned(owner, code);
      return { id, code: own };
    },

    async update(owner, code, patch: UpdateLinkInput) {
      const row = await findOwned(owner, code);
      const fields: Partial<LinkRow> = { updated_at: Math.max(now(), row.updated_at) };
      if (patch.url !== undefined) fields.url = checkTargetUrl(patch.url, self);
      if (patch.title !== undefined) fields.title = patch.title;
      if (patch.expiresAt !== undefined) fields.expires_at = patch.expiresAt === null ? null : checkExpiry(patch.expiresAt, now());
      if (patch.maxClicks !== undefined) fields.max_clicks = patch.maxClicks;
      if (patch.redirectType !== undefined) fields.redirect_type = patch.redirectType;
      if (patch.rules !== undefined) fields.rules = storedRules(patch.rules === null ? null : checkRules(patch.rules, self));
      if (patch.password !== undefined) fields.password_hash = patch.password === null ? null : await hashPassword(patch.password);
      const tags = patch.tags === undefined ? undefined : normaliseTags(patch.tags);
      // Read before the write, so that once it is stored only the cache invalidation can still fail.
      const current = await presentOne(row);
      await repository.update(row.id, fields, tags);
      await changes.linkChanged(code);
      return toLink({ ...row, ...fields }, tags ?? current.tags, current.clicks);
    },

    async remove(owner, code) {
      const row = await findOwned(owner, code);
      await repository.delete(row.id);
      await changes.linkChanged(code);
    },

    async resolve(code) {
      const row = await repository.findByCode(code);
      return row ? resolvedOf(row) : null;
    },

    async resolveMany(codes) {
      const rows = new Map((await repository.findByCodes(codes)).map((row) => [row.code, row]));
      return codes.map((code) => {
        const row = rows.get(code);
        return row ? resolvedOf(row) : null;
      });
    },

    count: (owner) => repository.count(owner.id),
  };
}

/** Rules are stored as the JSON of the checked list; no rules is NULL, never "[]". */
const storedRules = (rules: TargetRule[] | null): string | null => (rules === null ? null : JSON.stringify(rules));
const rulesOf = (row: Pick<LinkRow, 'rules'>): TargetRule[] => (row.rules === null ? [] : (JSON.parse(row.rules) as TargetRule[]));

/** What the redirector is told of a link: no owner-facing fields. */
const resolvedOf = (row: LinkRow): ResolvedLink => ({
  id: row.id,
  code: row.code,
  url: row.url,
  ownerId: row.owner_id,
  expiresAt: row.expires_at,
  maxClicks: row.max_clicks,
  redirectType: row.redirect_type as RedirectType,
  passwordHash: row.password_hash,
  rules: rulesOf(row),
});

function encodeCursor(row: LinkRow): string {
  return Buffer.from(`${row.created_at}.${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString().split('.');
  const ms = Number(createdAt);
  // Only the shapes encodeCursor writes: anything else (a NUL, any text) never reaches a query.
  if (!id || !/^\d{1,16}$/.test(createdAt ?? '') || !Number.isSafeInteger(ms) || !/^[0-9a-f-]{36}$/i.test(id)) {
    throw new AppError('VALIDATION', 'The cursor is not one this API gave out.', [{ field: 'cursor', message: 'is invalid' }]);
  }
  return { createdAt: ms, id };
}
