import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The dashboard's session cookie. Its value is a random id; the database keeps only its hash. */
export const SESSION_COOKIE = 'morphlink_session';

/** The header every state-changing request of a cookie session carries (the double-submit of a derived token). */
export const CSRF_HEADER = 'x-csrf-token';

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export const newSessionId = (): string => randomBytes(32).toString('base64url');

export const isWellFormedSessionId = (value: string): boolean => SESSION_ID.test(value);

export const sessionIdHash = (sessionId: string): string => createHash('sha256').update(sessionId).digest('base64url');

/**
 * The CSRF token of a session, derived from its id: a page of another origin can neither read the
 * httpOnly cookie nor the token (the same-origin policy hides `/api/auth/session`'s answer), so it
 * cannot forge the header, while every process that sees the cookie can check the token without
 * asking anyone.
 */
export const csrfTokenFor = (sessionId: string): string => createHash('sha256').update(`csrf:${sessionId}`).digest('base64url');

export function csrfTokenMatches(sessionId: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const expected = Buffer.from(csrfTokenFor(sessionId));
  const actual = Buffer.from(presented);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Failed sign-ins counted per client IP and, for passwords, per user name, in fixed windows. A
 * key guess names no user: it counts against its address only.
 */
export interface LoginThrottle {
  /** Seconds until this address (for this user name) may try again; 0 when it may now. */
  retryAfter(ip: string, user?: string): number;
  failed(ip: string, user?: string): void;
  /** A success clears the user name's failures (not the address's: one good password must not reopen guessing at others). */
  succeeded(user?: string): void;
}

interface Window {
  failures: number;
  endsAt: number;
}

/** At most this many names and addresses are remembered: a flood of made-up names cannot grow memory without bound. */
const REMEMBERED = 50_000;

export function createLoginThrottle({
  perUser,
  perIp,
  windowMs = 15 * 60_000,
  now = Date.now,
}: {
  perUser: number;
  perIp: number;
  windowMs?: number;
  now?: () => number;
}): LoginThrottle {
  const windows = new Map<string, Window>();

  const current = (key: string): Window | undefined => {
    const window = windows.get(key);
    if (window && window.endsAt <= now()) windows.delete(key);
    return window && window.endsAt > now() ? window : undefined;
  };
  const wait = (key: string, max: number): number => {
    const window = current(key);
    if (max === 0 || !window || window.failures < max) return 0;
    return Math.max(1, Math.ceil((window.endsAt - now()) / 1000));
  };
  const count = (key: string): void => {
    const window = current(key);
    if (window) {
      window.failures += 1;
      return;
    }
    if (windows.size >= REMEMBERED) windows.delete(windows.keys().next().value as string);
    windows.set(key, { failures: 1, endsAt: now() + windowMs });
  };

  return {
    retryAfter: (ip, user) => Math.max(user === undefined ? 0 : wait(`user:${user}`, perUser), wait(`ip:${ip}`, perIp)),
    failed(ip, user) {
      if (user !== undefined) count(`user:${user}`);
      count(`ip:${ip}`);
    },
    succeeded: (user) => void (user !== undefined && windows.delete(`user:${user}`)),
  };
}
