import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_PREFIX = 'mlk_';
const LOOKUP_LENGTH = 10;

/** A fresh key: 192 random bits, readable `mlk_` prefix. Only its SHA-256 is stored. */
export function generateApiKey(): { apiKey: string; prefix: string; hash: string } {
  const apiKey = KEY_PREFIX + randomBytes(24).toString('base64url');
  return { apiKey, prefix: lookupPrefix(apiKey), hash: hashKey(apiKey) };
}

/** The public part of a key, used to find its row; `mlk_` plus the first ten characters. */
export function lookupPrefix(apiKey: string): string {
  return apiKey.slice(0, KEY_PREFIX.length + LOOKUP_LENGTH);
}

export function isWellFormedKey(apiKey: string): boolean {
  return apiKey.startsWith(KEY_PREFIX) && apiKey.length === KEY_PREFIX.length + 32;
}

// A plain hash suffices: keys carry 192 bits of entropy, so there is nothing to brute-force.
export function hashKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

export function keyMatches(apiKey: string, storedHash: string): boolean {
  const actual = Buffer.from(hashKey(apiKey), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
