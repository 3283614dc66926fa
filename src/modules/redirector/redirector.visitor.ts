import { createHash, createHmac } from 'node:crypto';

const DAY_MS = 86_400_000;

/**
 * An anonymous visitor id: SHA-256 of a daily salt, the IP and the user agent. The salt is
 * derived from a secret and the day, so ids cannot be linked across days and the IP is never kept.
 */
export function createVisitorHasher(secret: string, now: () => number = Date.now) {
  let day = -1;
  let salt = '';
  return (ip: string, userAgent: string): string => {
    const today = Math.floor(now() / DAY_MS);
    if (today !== day) {
      day = today;
      salt = createHmac('sha256', secret).update(String(today)).digest('hex');
    }
    return createHash('sha256').update(salt).update(ip).update('\n').update(userAgent).digest('base64url').slice(0, 22);
  };
}
