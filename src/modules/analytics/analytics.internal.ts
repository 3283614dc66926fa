import type { App } from '../../common/http/server.ts';
import type { Authenticate } from '../../common/http/principal.ts';
import type { AnalyticsQueries, ClickIngestion } from './analytics.port.ts';
import {
  DatabaseReply,
  HotCodesBody,
  HotCodesReply,
  LinkStatsBody,
  LinkStatsSchema,
  TotalsBody,
  TotalsReply,
  UserClicksBody,
  UserClicksSchema,
} from './analytics.schemas.ts';

export interface AnalyticsInternalOptions {
  queries: AnalyticsQueries;
  ingestion: Pick<ClickIngestion, 'databaseId'>;
  guard: Authenticate;
}

/** The analytics ports for peer services (POST /events is served by eventsRoutes). Token only. */
export async function analyticsInternalRoutes(app: App, { queries, ingestion, guard }: AnalyticsInternalOptions) {
  app.addHook('onRequest', guard);
  const hide = true;

  // A redirector tags its spool with this, and replays only into the database that has it.
  app.get('/internal/analytics/database', { schema: { hide, response: { 200: DatabaseReply } } }, async () => ({ id: await ingestion.databaseId() }));

  app.post('/internal/analytics/totals', { schema: { hide, body: TotalsBody, response: { 200: TotalsReply } } }, async (request) => ({
    totals: Object.fromEntries(await queries.totalsFor(request.body.linkIds)),
  }));

  app.post('/internal/analytics/link-stats', { schema: { hide, body: LinkStatsBody, response: { 200: LinkStatsSchema } } }, async (request) =>
    queries.linkStats(request.body.link, request.body.range, request.body.bots),
  );

  app.post('/internal/analytics/user-clicks', { schema: { hide, body: UserClicksBody, response: { 200: UserClicksSchema } } }, async (request) =>
    queries.userClicks(request.body.owner, request.body.bots),
  );

  app.post('/internal/analytics/hot-codes', { schema: { hide, body: HotCodesBody, response: { 200: HotCodesReply } } }, async (request) => ({
    codes: await queries.hotCodes(request.body.hours, request.body.limit),
  }));
}
