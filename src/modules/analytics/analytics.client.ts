import { AppError } from '../../common/errors.ts';
import type { HttpClient } from '../../common/http/client.ts';
import type { AnalyticsPort, ClickSink, IngestResult, LinkStats, UserStats } from './analytics.port.ts';

/**
 * AnalyticsPort over HTTP. record() goes to the given sink (the batching, spooling sender); a
 * client built without one is for peers that only read (links needs totals, never records).
 */
export function createAnalyticsClient(http: HttpClient, sink?: ClickSink): AnalyticsPort {
  return {
    record(click) {
      if (!sink) throw new AppError('INTERNAL', 'This analytics client was built without a click sink.');
      sink.record(click);
    },
    ingest: (events) => http.call<IngestResult>('POST', '/events', { body: { events } }),
    databaseId: async () => (await http.call<{ id: string }>('GET', '/internal/analytics/database')).id,
    async totalsFor(linkIds) {
      if (linkIds.length === 0) return new Map();
      const { totals } = await http.call<{ totals: Record<string, number> }>('POST', '/internal/analytics/totals', { body: { linkIds } });
      return new Map(Object.entries(totals));
    },
    linkStats: (link, range) => http.call<LinkStats>('POST', '/internal/analytics/link-stats', { body: { link, range } }),
    userClicks: (owner) =>
      http.call<Omit<UserStats, 'user' | 'links'>>('POST', '/internal/analytics/user-clicks', { body: { owner } }),
  };
}
