import { randomBytes } from 'node:crypto';
import { AppError } from '../../common/errors.ts';

export const MAX_URL_LENGTH = 2048;
export const CODE_PATTERN = /^[A-Za-z0-9_-]{3,64}$/;

/** Paths the server itself answers; a code equal to one of them could never be reached. */
export const RESERVED_CODES = new Set(
  ['api', 'r', 'health', 'ready', 'metrics', 'stats', 'events', 'internal', 'dashboard', 'docs', 'assets',
    'favicon.ico', 'openapi.json', 'robots.txt', 'login', 'logout', 'admin', 'static', 'app'].map((c) => c.toLowerCase()),
);

/** Trimmed, parsed and checked: http(s) only, a host, not too long, never our own host. */
export function checkTargetUrl(raw: string, ownBaseUrl: string, field = 'url'): string {
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
  if (url.host.toLowerCase() === new URL(ownBaseUrl).host.toLowerCase()) {
    fail('must not point at this shortener (it would loop)');
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

export function checkDate(value: string, field: string): number {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
    throw new AppError('VALIDATION', `${field} must be an ISO-8601 date-time.`, [{ field, message: 'must be an ISO-8601 date-time' }]);
  }
  return ms;
}

export function normaliseTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter(Boolean))];
}
