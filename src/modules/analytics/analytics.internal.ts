import { Type } from 'typebox';
import type { App } from '../../common/http/server.ts';
import type { Authenticate } from '../../common/http/principal.ts';
import type { AnalyticsPort, StatsRange } from './analytics.port.ts';
import type { Principal } from '../../common/principal.ts';

const Id = Type.String({ maxLength: 64 });

/** The analytics port for peer services (POST /events is served by eventsRoutes). Token only. */
export async function analyticsInternalRoutes(app: App, { analytics, guard }: { analytics: AnalyticsPort; guard: Authenticate }) {
  app.addHook('onRequest', guard);
  const hide = true;

  // A redirector tags its spool with this, and replays only into the database that has it.
  app.get('/internal/analytics/database', { schema: { hide } }, async () => ({ id: await analytics.databaseId() }));

  app.post(
    '/internal/analytics/totals',
    { schema: { hide, body: Type.Object({ linkIds: Type.Array(Id, { maxItems: 1000 }) }) } },
    async (request) => ({ totals: Object.fromEntries(await analytics.totalsFor(request.body.linkIds)) }),
  );

  app.post(
    '/internal/analytics/link-stats',
    {
      schema: {
        hide,
        body: Type.Object({
          link: Type.Object({ id: Id, code: Id }),
          range: Type.Object({
            from: Type.Optional(Type.Integer()),
            to: Type.Optional(Type.Integer()),
            interval: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
          }),
        }),
      },
    },
    async (request) => analytics.linkStats(request.body.link, request.body.range as StatsRange),
  );

  app.post(
    '/internal/analytics/user-clicks',
    { schema: { hide, body: Type.Object({ owner: Type.Object({ id: Id, name: Type.String(), isAdmin: Type.Boolean() }) }) } },
    async (request) => analytics.userClicks(request.body.owner as Principal),
  );
}
