import type { Static } from 'typebox';
import { AppError } from '../../common/errors.ts';
import type { HttpClient } from '../../common/http/client.ts';
import type { BulkResult, Link, LinkPage, LinksPort, ResolvedLink } from './links.port.ts';
import { CODE_MAX_LENGTH, RESOLVE_MANY_MAX, type LinksCountSchema, type ResolveManySchema } from './links.schemas.ts';

/** LinksPort over HTTP: the owner-scoped calls go to the public routes mounted under /internal. */
export function createLinksClient(http: HttpClient): LinksPort {
  const path = (code: string) => `/internal/api/links/${encodeURIComponent(code)}`;
  return {
    create: (principal, input) => http.call<Link>('POST', '/internal/api/links', { principal, body: input }),
    createMany: (principal, items) => http.call<BulkResult>('POST', '/internal/api/links/bulk', { principal, body: { links: items } }),
    list: (principal, { limit, cursor, q, tag }) =>
      http.call<LinkPage>('GET', '/internal/api/links', { principal, query: { limit, cursor, q, tag } }),
    get: (principal, code) => http.call<Link>('GET', path(code), { principal }),
    owned: (principal, code) => http.call<{ id: string; code: string }>('GET', `/internal/owned-links/${encodeURIComponent(code)}`, { principal }),
    update: (principal, code, patch) => http.call<Link>('PATCH', path(code), { principal, body: patch }),
    remove: (principal, code) => http.call<void>('DELETE', path(code), { principal }),
    resolve: oneCallAtATime(resolveMany),
    resolveMany,
    count: async (principal) => (await http.call<Static<typeof LinksCountSchema>>('GET', '/internal/links-count', { principal })).count,
  };

  /** In calls of at most RESOLVE_MANY_MAX codes; a code longer than any link's is null without asking (the route would refuse the whole call). */
  async function resolveMany(codes: readonly string[]): Promise<(ResolvedLink | null)[]> {
    const answers: (ResolvedLink | null)[] = codes.map(() => null);
    const asked = codes.flatMap((code, i) => (code.length > CODE_MAX_LENGTH ? [] : [i]));
    for (let start = 0; start < asked.length; start += RESOLVE_MANY_MAX) {
      const chunk = asked.slice(start, start + RESOLVE_MANY_MAX);
      const found = new Map((await resolveChunk(chunk.map((i) => codes[i]!))).map((link) => [link.code, link]));
      for (const i of chunk) answers[i] = found.get(codes[i]!) ?? null;
    }
    return answers;
  }

  /**
   * The links found among these codes. A links process of an earlier release has no
   * POST /internal/links/resolve (404, which that route never answers itself): then one GET per
   * code, as before, so a fleet upgraded one service at a time keeps redirecting.
   */
  async function resolveChunk(codes: readonly string[]): Promise<ResolvedLink[]> {
    try {
      return (await http.call<Static<typeof ResolveManySchema>>('POST', '/internal/links/resolve', { body: { codes } })).links as ResolvedLink[];
    } catch (error) {
      if (!(error instanceof AppError && error.status === 404)) throw error;
      const one = (code: string) =>
        http.call<ResolvedLink>('GET', `/internal/links/${encodeURIComponent(code)}`).catch((e: unknown) => {
          if (e instanceof AppError && e.status === 404) return null;
          throw e;
        });
      return (await Promise.all(codes.map(one))).filter((link) => link !== null);
    }
  }
}

interface Asked {
  code: string;
  resolve(link: ResolvedLink | null): void;
  reject(error: unknown): void;
}

/**
 * resolve() as resolveMany() calls made one at a time: the codes asked in one event-loop turn go
 * together, and so do all those asked while a call is out, in the next call. A redirector whose
 * cache is cold (just started, or a replica just added) misses on every code for a while: links
 * then answers one call per round trip, of every code missed meanwhile, instead of one per code
 * (or per turn, which on the bench machine still made 2,700 calls of 3 or 4 codes for 10,000
 * codes). A failed call fails every code it asked, as one call per code would have.
 */
function oneCallAtATime(resolveMany: LinksPort['resolveMany']): LinksPort['resolve'] {
  let asked: Asked[] = [];
  let sending = false;
  async function send(): Promise<void> {
    while (asked.length > 0) {
      const call = asked;
      asked = [];
      try {
        const links = await resolveMany(call.map((a) => a.code));
        call.forEach((a, i) => a.resolve(links[i] ?? null));
      } catch (error) {
        for (const a of call) a.reject(error);
      }
    }
    sending = false;
  }
  return (code) =>
    new Promise((resolve, reject) => {
      asked.push({ code, resolve, reject });
      if (sending) return;
      sending = true;
      setImmediate(() => void send());
    });
}
