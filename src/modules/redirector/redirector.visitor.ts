import { createHash, createHmac } from 'node:crypto';

const DAY_MS = 86_400_000;

/** How often the memory of pairs, whose keys are raw addresses and agents, is dropped: hourly. */
const REMEMBER_MS = 3_600_000;

/** Distinct (address, agent) pairs a hasher remembers before it starts afresh. */
const REMEMBERED = 20_000;

/**
 * An anonymous visitor id: SHA-256 of a daily salt, the IP and the user agent. The salt is
 * derived from a secret and the day, so ids cannot be linked across days and the IP is never stored.
 *
 * A pair's id is remembered for at most an hour (or until the memory is full): a returning visitor
 * costs a Map lookup instead of a hash, about 2 µs on the redirect thread. The memory's keys are
 * the raw address and agent, so a timer drops it every hour, idle or not; it also goes with the
 * day's salt, so no id outlives its day.
 */
export function createVisitorHasher(secret: string, now: () => number = Date.now) {
  let day = -1;
  let salt = '';
  const known = new Map<string, string>();
  setInterval(() => known.clear(), REMEMBER_MS).unref();
  return (ip: string, userAgent: string): string => {
    const today = Math.floor(now() / DAY_MS);
    if (today !== day) {
      day = today;
      salt = createHmac('sha256', secret).update(String(today)).digest('hex');
      known.clear();
    }
    const pair = `${ip}\n${userAgent}`;
    let id = known.get(pair);
    if (id === undefined) {
      id = createHash('sha256').update(salt).update(ip).update('\n').update(userAgent).digest('base64url').slice(0, 22);
      if (known.size >= REMEMBERED) known.clear();
      known.set(pair, id);
    }
    return id;
  };
}
