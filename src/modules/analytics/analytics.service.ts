import type { AnalyticsQueries, BotsFilter, ClickEvent, ClickIngestion, Counted, IngestResult, LinkStats, StatsRange } from './analytics.port.ts';
import type { AnalyticsRepository } from './analytics.repository.ts';
import { byDimensionField, type Dimension } from './analytics.dimensions.ts';
import { DAY_MS, HOUR_MS } from './analytics.enrich.ts';
import { floorTo } from './analytics.rollup.ts';
import { clipEvent } from './analytics.events.ts';

export interface AnalyticsQueriesDeps {
  repository: AnalyticsRepository;
  now?: () => number;
}

const TOP_N = 10;
const MAX_SERIES_POINTS = 2_000;

/** What happens to the events a batch stored, once committed (webhook deliveries are queued); it handles its own errors. */
export type OnStored = (stored: readonly ClickEvent[]) => Promise<void>;

/** Stores events not seen before and their rollup in one transaction; duplicates by id are skipped. */
export function createIngest(repository: AnalyticsRepository, onStored?: OnStored): ClickIngestion['ingest'] {
  return async (events: readonly ClickEvent[]): Promise<IngestResult> => {
    if (events.length === 0) return { accepted: 0, duplicates: 0 };
    // A batch may repeat an id (a retried delivery): keep the first. Over-long text is clipped in both modes.
    const seen = new Set<string>();
    const unique: ClickEvent[] = [];
    for (const event of events) {
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      unique.push(clipEvent(event));
    }
    const stored = await repository.ingest(unique);
    if (onStored && stored.length > 0) await onStored(stored);
    return { accepted: stored.length, duplicates: events.length - stored.length };
  };
}

/** The ingestion port on this process's database: what POST /events and the in-process writer use. */
export function createClickIngestion(repository: AnalyticsRepository, onStored?: OnStored): ClickIngestion {
  return { ingest: createIngest(repository, onStored), databaseId: () => repository.databaseId() };
}

/** The clicks a `?bots=` filter counts in a row that keeps humans and bots apart (bigints may come back as strings). */
export function countedBy(bots: BotsFilter): (row: { humans: number | string; bots: number | string }) => number {
  if (bots === 'exclude') return (row) => Number(row.humans);
  if (bots === 'only') return (row) => Number(row.bots);
  return (row) => Number(row.humans) + Number(row.bots);
}

function topCounted(rows: { dimension: Dimension; value: string; n: number }[], dimension: Dimension): Counted[] {
  return rows
    .filter((r) => r.dimension === dimension && r.n > 0)
    .map((r) => ({ value: r.value, count: r.n }))
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
    .slice(0, TOP_N);
}

/** The read side: stats of a link and of a user, and click totals per link. */
export function createAnalyticsQueries({ repository, now = Date.now }: AnalyticsQueriesDeps): AnalyticsQueries {
  function series(rows: { hour: number; n: number }[], range: Required<StatsRange>) {
    const unit = range.interval === 'day' ? DAY_MS : HOUR_MS;
    const buckets = new Map<number, number>();
    for (const row of rows) {
      const t = floorTo(Number(row.hour), unit);
      buckets.set(t, (buckets.get(t) ?? 0) + row.n);
    }
    // Zero-filled from the first click (or `from`) to `to`, unless that would be absurdly long.
    const first = rows.length > 0 ? floorTo(Number(rows[0]!.hour), unit) : floorTo(range.to, unit);
    const start = Math.max(floorTo(range.from, unit), first);
    const end = floorTo(range.to, unit);
    const points = (end - start) / unit + 1;
    const times = points <= MAX_SERIES_POINTS ? Array.from({ length: points }, (_, i) => start + i * unit) : [...buckets.keys()];
    return times.map((t) => ({ t: new Date(t).toISOString(), count: buckets.get(t) ?? 0 }));
  }

  return {
    totalsFor: (linkIds) => repository.totalsFor(linkIds),

    // The rollup hour `hours` ago, and every one since (the current one too).
    hotCodes: (hours, limit) => repository.hotCodes(floorTo(now() - hours * HOUR_MS, HOUR_MS), limit),

    async linkStats(link, range, bots = 'exclude'): Promise<LinkStats> {
      const full = { from: range.from ?? 0, to: range.to ?? now(), interval: range.interval };
      const fromHour = floorTo(full.from, HOUR_MS);
      const [hours, dims, unique] = await Promise.all([
        repository.hourly(link.id, fromHour, full.to),
        repository.dimensions(link.id, fromHour, full.to),
        repository.uniqueVisitors(link.id, floorTo(full.from, DAY_MS), full.to),
      ]);
      const counted = countedBy(bots);
      const hourly = hours.map((h) => ({ hour: h.hour, n: counted(h) }));
      const breakdowns = dims.map((d) => ({ dimension: d.dimension, value: d.value, n: counted(d) }));
      return {
        code: link.code,
        total: hourly.reduce((sum, h) => sum + h.n, 0),
        unique: counted(unique),
        // Whatever the filter: how many of the range's clicks were bots'.
        bots: hours.reduce((sum, h) => sum + Number(h.bots), 0),
        series: series(hourly, full),
        ...byDimensionField((dimension) => topCounted(breakdowns, dimension)),
      };
    },

    async userClicks(owner, bots = 'exclude') {
      const [clicks, top] = await Promise.all([repository.ownerClicks(owner.id), repository.topLinks(owner.id, TOP_N, bots)]);
      return { clicks: countedBy(bots)(clicks), top: top.map((r) => ({ code: r.code, clicks: Number(r.n) })) };
    },
  };
}
