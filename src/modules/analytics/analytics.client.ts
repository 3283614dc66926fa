import type { Static } from 'typebox';
import { CLICK_FRAMES_MEDIA_TYPE } from './analytics.click-frame.ts';
import type { HttpClient } from '../../common/http/client.ts';
import type { AnalyticsQueries, ClickTransport, IngestResult, LinkStats, UserClicks } from './analytics.port.ts';
import { HOT_CODES_MAX, type DatabaseReply, type HotCodesBody, type HotCodesReply, type LinkStatsBody, type TotalsBody, type TotalsReply, type UserClicksBody } from './analytics.schemas.ts';

/** The queries over HTTP: links reads click totals, the redirector its quota counts and, at start, the hot codes. */
export function createAnalyticsClient(http: HttpClient): AnalyticsQueries {
  return {
    async totalsFor(linkIds) {
      if (linkIds.length === 0) return new Map();
      const body: Static<typeof TotalsBody> = { linkIds: [...linkIds] };
      const { totals } = await http.call<Static<typeof TotalsReply>>('POST', '/internal/analytics/totals', { body });
      return new Map(Object.entries(totals));
    },
    linkStats(link, range, bots = 'exclude') {
      const body: Static<typeof LinkStatsBody> = { link: { id: link.id, code: link.code }, range, bots };
      return http.call<LinkStats>('POST', '/internal/analytics/link-stats', { body });
    },
    userClicks(owner, bots = 'exclude') {
      const body: Static<typeof UserClicksBody> = { owner: { id: owner.id, name: owner.name, isAdmin: owner.isAdmin }, bots };
      return http.call<UserClicks>('POST', '/internal/analytics/user-clicks', { body });
    },
    async hotCodes(hours, limit) {
      const body: Static<typeof HotCodesBody> = { hours, limit: Math.min(limit, HOT_CODES_MAX) };
      return (await http.call<Static<typeof HotCodesReply>>('POST', '/internal/analytics/hot-codes', { body })).codes;
    },
  };
}

/**
 * The one place POST /events is written: a redirector's sender delivers batches through it, and
 * learns which database is behind it. A queue would be another ClickTransport.
 */
export function createEventsTransport(http: HttpClient): ClickTransport {
  return {
    send: (events) => http.call<IngestResult>('POST', '/events', { body: { events } }),
    sendFrames: (data) => http.call<IngestResult>('POST', '/events', { bytes: { contentType: CLICK_FRAMES_MEDIA_TYPE, data } }),
    identify: async () => (await http.call<Static<typeof DatabaseReply>>('GET', '/internal/analytics/database')).id,
  };
}
