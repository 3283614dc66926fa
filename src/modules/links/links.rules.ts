import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { MAX_YEAR, MIN_YEAR, parseInstant } from '../../common/dates.ts';
import { AppError } from '../../common/errors.ts';
import type { BlockedDomains } from './links.blocklist.ts';
import type { TargetRule } from './links.port.ts';

export const MAX_URL_LENGTH = 2048;
export const CODE_PATTERN = /^[A-Za-z0-9_-]{3,64}$/;

/** Paths the server itself answers; a code equal to one of them could never be reached. */
export const RESERVED_CODES = new Set(
  ['api', 'r', 'health', 'ready', 'metrics', 'stats', 'events', 'internal', 'dashboard', 'docs', 'assets',
    'favicon.ico', 'openapi.json', 'robots.txt', 'login', 'logout', 'admin', 'static', 'app'].map((c) => c.toLowerCase()),
);

/** Where this shortener answers: its public BASE_URL and every host:port it listens on. */
export interface SelfOrigins {
  baseUrl: string;
  listen?: readonly { host: string; port: number }[];
}

const LOOPBACK = 'loopback';

/** One spelling per host: lower case, no brackets or trailing dot, every loopback/unspecified alias as one. */
function normaliseHost(hostname: string): string {
  let host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped) {
    const [hi, lo] = [parseInt(mapped[1] ?? '0', 16), parseInt(mapped[2] ?? '0', 16)];
    host = `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  host = host.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  const loopback = host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || ['::1', '::', '0.0.0.0'].includes(host);
  return loopback ? LOOPBACK : host;
}

const effectivePort = (url: URL) => url.port || (url.protocol === 'https:' ? '443' : '80');

function selfKeys({ baseUrl, listen = [] }: SelfOrigins): Set<string> {
  const base = new URL(baseUrl);
  const host = normaliseHost(base.hostname);
  // A public name without a port usually answers on both 80 and 443 (TLS in front, redirect to https).
  const keys = new Set(base.port ? [`${host}:${base.port}`] : [`${host}:80`, `${host}:443`]);
  for (const address of listen) {
    const wildcard = address.host === '0.0.0.0' || address.host === '::';
    const hosts = wildcard ? interfaceAddresses() : [address.host];
    for (const h of [...hosts, ...(wildcard ? [LOOPBACK] : [])]) keys.add(`${normaliseHost(h)}:${address.port}`);
  }
  return keys;
}

const interfaceAddresses = () => Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));

/**
 * True when following `url` would come back to this shortener (a redirect loop that counts a
 * click per hop). The one check for create, update, and any later bulk or targeting rules.
 */
export function pointsAtUs(url: URL, self: SelfOrigins): boolean {
  return selfKeys(self).has(`${normaliseHost(url.hostname)}:${effectivePort(url)}`);
}

/** What a target is checked against: this shortener's own origins, and the blocked domains. */
export interface TargetPolicy extends SelfOrigins {
  blocked?: BlockedDomains;
}

/**
 * Trimmed, parsed and checked: http(s) only, a host, not too long, never our own host, never a
 * blocked domain. The one check for create, update, bulk and targeting rules.
 */
export function checkTargetUrl(raw: string, self: TargetPolicy | string, field = 'url'): string {
  const fail = (message: string): never => {
    throw new AppError('INVALID_URL', `${field}: ${message}`, [{ field, message }]);
  };
  const value = raw.trim();
  if (value.length === 0) fail('must not be empty');
  if (value.length > MAX_URL_LENGTH) fail(`must be at most ${MAX_URL_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\s]/.test(value)) fail('must not contain spaces or control characters');
  if (!URL.canParse(value)) fail('is not a valid absolute URL');
  // WHATWG parsing forgives `https:///path` (it reads "path" as the host): require a real authority.
  if (/^https?:/i.test(value) && !/^https?:\/\/[^/?#@]/i.test(value)) fail('must have a host');
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('only http and https URLs are allowed');
  if (!url.hostname) fail('must have a host');
  const policy: TargetPolicy = typeof self === 'string' ? { baseUrl: self } : self;
  if (pointsAtUs(url, policy)) fail('must not point at this shortener (it would loop)');
  const blocked = policy.blocked?.match(url.hostname);
  if (blocked) {
    const message = `${url.hostname} is on this server's list of blocked domains (${blocked})`;
    throw new AppError('BLOCKED_DOMAIN', `${field}: ${message}`, [{ field, message }]);
  }
  return value;
}

export function checkCustomCode(code: string): string {
  if (!CODE_PATTERN.test(code)) {
    throw new AppError('INVALID_CODE', 'A code is 3 to 64 characters of letters, digits, _ and -.', [
      { field: 'code', message: 'must match [A-Za-z0-9_-]{3,64}' },
    ]);
  }
  if (RESERVED_CODES.has(code.toLowerCase())) {
    throw new AppError('INVALID_CODE', `"${code}" is reserved.`, [{ field: 'code', message: 'is reserved' }]);
  }
  return code;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A 7-character base62 code from a cryptographic source (rejection sampling keeps it unbiased). */
export function generateCode(length = 7): string {
  let code = '';
  while (code.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && code.length < length) code += BASE62[byte % 62];
    }
  }
  return code;
}

/** A real ISO-8601 instant strictly after `now`: a link never starts out, or is moved into, the past. */
export function checkExpiry(value: string, now: number, field = 'expiresAt'): number {
  const ms = parseInstant(value);
  if (ms === null) {
    const message = `must be a real ISO-8601 date-time with Z or an offset (or a date), years ${MIN_YEAR}-${MAX_YEAR}`;
    throw new AppError('VALIDATION', `${field} ${message}.`, [{ field, message }]);
  }
  if (ms <= now) {
    throw new AppError('VALIDATION', `${field} is in the past; to stop a link now, delete it.`, [{ field, message: 'must be in the future' }]);
  }
  return ms;
}

export function normaliseTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter(Boolean))];
}

/**
 * Targeting rules as stored: each names at least one condition, its country in upper case, its
 * url checked like the link's own (never this shortener, never a blocked domain). None is null.
 */
export function checkRules(rules: readonly TargetRule[], policy: TargetPolicy): TargetRule[] | null {
  if (rules.length === 0) return null;
  return rules.map((rule, i) => {
    const field = `rules.${i}`;
    if (rule.device === undefined && rule.os === undefined && rule.country === undefined) {
      const message = 'names no condition: give device, os or country';
      throw new AppError('VALIDATION', `${field} ${message}.`, [{ field, message }]);
    }
    return {
      ...(rule.device !== undefined && { device: rule.device }),
      ...(rule.os !== undefined && { os: rule.os }),
      ...(rule.country !== undefined && { country: rule.country.toUpperCase() }),
      url: checkTargetUrl(rule.url, policy, `${field}.url`),
    };
  });
}
