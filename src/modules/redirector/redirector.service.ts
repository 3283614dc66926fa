import type { IncomingHttpHeaders } from 'node:http';
import { isbot } from 'isbot';
import type { ClickQuota } from './redirector.quota.ts';
import type { ClickRecorder, LinkResolver, ResolvedLink, Visit } from './redirector.port.ts';
import { chooseTarget, type CountryOf } from './redirector.targeting.ts';

export type Outcome =
  /** `target`: what the click records of a link with targeting rules (the URL chosen), else null. */
  | { kind: 'redirect'; link: ResolvedLink; location: string; target: string | null }
  | { kind: 'password'; link: ResolvedLink }
  | { kind: 'not-found' }
  | { kind: 'gone' };

export type { Visit };

/**
 * The longest user agent, referrer and country a click keeps: analytics' own event limits
 * (analytics.schemas.ts), so no recorded click can make analytics refuse a batch.
 */
export const VISIT_LIMITS = { userAgent: 1024, referrer: 2048, country: 8 } as const;

/**
 * A visit from what the request says, the same for the fast path and the framework path.
 * Country headers are set by a proxy in front (Cloudflare, a load balancer): believed only
 * when the peer that sent them is one TRUST_PROXY trusts, or any client could pick its country.
 */
export function visitFrom(
  code: string,
  query: string,
  ip: string,
  method: string | undefined,
  headers: IncomingHttpHeaders,
  fromTrustedProxy: boolean,
): Visit {
  const country = fromTrustedProxy ? (headers['cf-ipcountry'] ?? headers['x-country']) : undefined;
  const trimmedCountry = typeof country === 'string' ? country.trim().slice(0, VISIT_LIMITS.country) : '';
  return {
    code,
    query,
    ip,
    userAgent: (headers['user-agent'] ?? '').slice(0, VISIT_LIMITS.userAgent),
    referrer: headers.referer?.slice(0, VISIT_LIMITS.referrer) ?? null,
    country: trimmedCountry === '' ? null : trimmedCountry,
    isProbe: method === 'HEAD',
  };
}

export interface RedirectorDeps {
  /** With `peek` (a cache), decideNow() can answer without waiting. */
  links: LinkResolver & { peek?(code: string): ResolvedLink | undefined };
  clicks: ClickRecorder;
  quota: ClickQuota;
  /** A visitor's country from its address, for country rules when no trusted proxy said it. */
  countryOf?: CountryOf;
  now?: () => number;
}

/** The short URL's query goes on the target's, before any fragment. */
export function withQuery(url: string, query: string): string {
  if (!query) return url;
  const hash = url.indexOf('#');
  const [base, fragment] = hash === -1 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  return `${base}${base.includes('?') ? '&' : '?'}${query}${fragment}`;
}

export function createRedirector({ links, clicks, quota, countryOf, now = Date.now }: RedirectorDeps) {
  return {
    /**
     * The answer for a cached link with no password, no click limit and no past expiry, decided
     * synchronously; null when decide() must look further. A link with targeting rules needs the
     * visit; without one it is left to decide() too.
     */
    decideNow(code: string, query: string, visit?: Visit): Extract<Outcome, { kind: 'redirect' }> | null {
      const link = links.peek?.(code);
      if (!link || link.passwordHash !== null || link.maxClicks !== null) return null;
      if (link.expiresAt !== null && link.expiresAt <= now()) return null;
      if (link.rules.length === 0) return { kind: 'redirect', link, location: withQuery(link.url, query), target: null };
      if (!visit) return null;
      const target = chooseTarget(link, visit, countryOf);
      return { kind: 'redirect', link, location: withQuery(target.url, query), target: target.recorded };
    },

    /** Decides the answer for a visit. Nothing is recorded here. */
    async decide(visit: Visit): Promise<Outcome> {
      const link = await links.resolve(visit.code);
      if (!link) return { kind: 'not-found' };
      if (link.expiresAt !== null && link.expiresAt <= now()) return { kind: 'gone' };
      if (link.passwordHash !== null && !visit.unlocked) return { kind: 'password', link };
      const countsAsClick = !visit.isProbe && !isLimitedBot(link, visit.userAgent);
      if (!(await quota.admit(link, countsAsClick))) return { kind: 'gone' };
      const target = chooseTarget(link, visit, countryOf);
      return { kind: 'redirect', link, location: withQuery(target.url, visit.query), target: target.recorded };
    },

    /**
     * Notes one click for the journal, which writes it at the end of this event-loop turn; send the
     * redirect from `answer` (called then, or at once for a probe), so no redirect goes out unrecorded.
     */
    record(link: ResolvedLink, visit: Visit, answer: () => void, target: string | null = null): void {
      if (visit.isProbe) return answer();
      clicks.record(link, visit, now(), target);
      clicks.afterWrite(answer);
    },
  };
}

// Only links with a click limit pay for bot detection here; everything else is classified at ingestion.
function isLimitedBot(link: ResolvedLink, userAgent: string): boolean {
  return link.maxClicks !== null && userAgent !== '' && isbot(userAgent);
}

export type Redirector = ReturnType<typeof createRedirector>;
