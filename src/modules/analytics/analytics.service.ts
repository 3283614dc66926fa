import type { AnalyticsPort, ClickEvent, ClickSink, Counted, IngestResult, LinkStats, StatsRange } from './analytics.port.ts';
import type { AnalyticsRepository, EventRow } from './analytics.repository.ts';
import { DAY_MS, HOUR_MS, classifyAgent } from './analytics.enrich.ts';
import { floorTo, rollupOf } from './analytics.rollup.ts';
import { clipEvent } from './analytics.events.ts';

export interface AnalyticsServiceDeps {
  repository: AnalyticsRepository;
  /** Where record() puts clicks: the buffered writer, which stores them through `ingest`. */
  sink: ClickSink;
  ingest: AnalyticsPort['ingest'];
  now?: () => number;
}

const TOP_N = 10;
const MAX_SERIES_POINTS = 2_000;

function toRow(event: ClickEvent): EventRow {
  return {
    id: event.id,
    link_id: event.linkId,
    owner_id: event.ownerId,
    code: event.code,
    at: event.at,
    referrer: event.referrer ?? null,
    user_agent: event.userAgent ?? null,
    visitor: event.visitor ?? null,
    country: event.country ?? null,
    is_bot: classifyAgent(event.userAgent).isBot ? 1 : 0,
  };
}

/** Stores events not seen before and their rollup in one transaction; duplicates by id are skipped. */
export function createIngest(repository: AnalyticsRepository) {
  return async (events: readonly ClickEvent[]): Promise<IngestResult> => {
    if (events.length === 0) return { accepted: 0, duplicates: 0 };
    // A batch may repeat an id (a retried delivery): keep the first. Over-long text is clipped in both modes.
    const unique = [...new Map(events.map((e) => [e.id, clipEvent(e)])).values()];
    const accepted = await repository.ingest(unique.map(toRow), (inserted) =>
      rollupOf(unique.filter((e) => inserted.has(e.id))),
    );
    return { accepted, duplicates: events.length - accepted };
  };
}

function topCounted(rows: { dimension: string; value: string; n: number }[], dimension: string): Counted[] {
  return rows
    .filter((r) => r.dimension === dimension)
    .map((r) => ({ value: r.value, count: Number(r.n) }))
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
    .slice(0, TOP_N);
}

export function createAnalyticsService({ repository, sink, ingest, now = Date.now }: AnalyticsServiceDeps): AnalyticsPort {
  function series(rows: { hour: number; humans: number }[], range: Required<StatsRange>) {
    const unit = range.interval === 'day' ? DAY_MS : HOUR_MS;
    const buckets = new Map<number, number>();
    for (const row of rows) {
      const t = floorTo(Number(row.hour), unit);
      buckets.set(t, (buckets.get(t) ?? 0) + Number(row.humans));
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
    record: (click) => sink.record(click),

    ingest,

    databaseId: () => repository.databaseId(),

    totalsFor: (linkIds) => repository.totalsFor(linkIds),

    async linkStats(link, range): Promise<LinkStats> {
      const full = { from: range.from ?? 0, to: range.to ?? now(), interval: range.interval };
      const fromHour = floorTo(full.from, HOUR_MS);
      const [hours, dims, unique] = await Promise.all([
        repository.hourly(link.id, fromHour, full.to),
        repository.dimensions(link.id, fromHour, full.to),
        repository.uniqueVisitors(link.id, floorTo(full.from, DAY_MS), full.to),
      ]);
      return {
        code: link.code,
        total: hours.reduce((sum, h) => sum + Number(h.humans), 0),
        unique,
        bots: hours.reduce((sum, h) => sum + Number(h.bots), 0),
        series: series(hours, full),
        referrers: topCounted(dims, 'referrer'),
        browsers: topCounted(dims, 'browser'),
        os: topCounted(dims, 'os'),
        devices: topCounted(dims, 'device'),
        countries: topCounted(dims, 'country'),
      };
    },

    async userClicks(owner) {
      const [clicks, top] = await Promise.all([repository.ownerClicks(owner.id), repository.topLinks(owner.id, TOP_N)]);
      return { clicks, top: top.map((r) => ({ code: r.code, clicks: Number(r.humans) })) };
    },
  };
}
