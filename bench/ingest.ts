import { migrate, openDatabase } from '../src/common/db.ts';
import { timeOrderedId } from '../src/common/ids.ts';
import { analyticsMigrations, createAnalyticsRepository, createIngest, type ClickEvent } from '../src/modules/analytics/index.ts';
import { createScratch, type DbKind } from '../test/contract/database.ts';
import { CHROME_UA } from './codes.ts';

export interface IngestResult {
  db: DbKind;
  events: number;
  batch: number;
  eventsPerSec: number;
}

const LINKS = 1_000;
const VISITORS = 20_000;
const AGENTS = [
  CHROME_UA,
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
];
const REFERRERS = [null, 'https://news.ycombinator.com/item?id=1', 'https://t.co/abc', 'https://www.google.com/'];
const COUNTRIES = [null, 'US', 'DE', 'FR', 'JP'];

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;

/**
 * Clicks as the redirector makes them: time-ordered ids (timeOrderedId) stamped as they happen,
 * here spread over the last ten minutes, across many links, visitors, agents and referrers.
 */
function syntheticClicks(count: number): ClickEvent[] {
  const start = Date.now() - 600_000;
  return Array.from({ length: count }, (_, i) => {
    const link = Math.floor(Math.random() * LINKS);
    const at = start + Math.floor((i / count) * 600_000);
    return {
      id: timeOrderedId(at),
      linkId: `ingest-link-${link}`,
      ownerId: `ingest-owner-${link % 10}`,
      code: `i${link}`,
      at,
      referrer: pick(REFERRERS),
      userAgent: pick(AGENTS),
      visitor: `v${Math.floor(Math.random() * VISITORS)}`,
      country: pick(COUNTRIES),
    };
  });
}

/**
 * The analytics writer's path without its timer: createIngest, batch after batch, into a fresh
 * database. Events are built before the clock starts, so only storing them is timed.
 */
export async function measureIngest(db: DbKind, events: number, batch: number): Promise<IngestResult> {
  const scratch = await createScratch(db);
  const database = openDatabase(scratch.databaseUrl);
  try {
    await migrate(database, 'analytics', analyticsMigrations);
    const ingest = createIngest(createAnalyticsRepository(database));
    const clicks = syntheticClicks(events);
    const started = performance.now();
    for (let i = 0; i < clicks.length; i += batch) await ingest(clicks.slice(i, i + batch));
    return { db, events, batch, eventsPerSec: Math.round(events / ((performance.now() - started) / 1000)) };
  } finally {
    await database.close();
    await scratch.remove();
  }
}
