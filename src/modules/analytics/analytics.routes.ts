import { Type } from 'typebox';
import { AppError } from '../../common/errors.ts';
import type { App } from '../../common/http/server.ts';
import { principalOf, type Authenticate } from '../../common/http/principal.ts';
import { checkEvents } from './analytics.events.ts';
import type { AnalyticsPort, LinkLookup } from './analytics.port.ts';
import { EventsBody, EventsReply, LinkStatsSchema, StatsQuery, UserStatsSchema } from './analytics.schemas.ts';

const tags = ['analytics'];

export interface AnalyticsRoutesOptions {
  analytics: AnalyticsPort;
  links: LinkLookup;
  authenticate: Authenticate;
}

/** Per-link and per-user stats for the authenticated caller. */
export async function analyticsRoutes(app: App, { analytics, links, authenticate }: AnalyticsRoutesOptions) {
  app.addHook('onRequest', authenticate);

  app.get(
    '/api/links/:code/stats',
    { schema: { tags, params: Type.Object({ code: Type.String({ maxLength: 64 }) }), querystring: StatsQuery, response: { 200: LinkStatsSchema } } },
    async (request) => {
      const { from, to, interval } = request.query;
      const link = await links.get(principalOf(request), request.params.code);
      return analytics.linkStats(link, {
        from: from === undefined ? undefined : Date.parse(from),
        to: to === undefined ? undefined : Date.parse(to),
        interval,
      });
    },
  );

  const userStats = async (request: Parameters<typeof principalOf>[0]) => {
    const owner = principalOf(request);
    const [count, clicks] = await Promise.all([links.count(owner), analytics.userClicks(owner)]);
    return { user: owner.name, links: count, ...clicks };
  };

  app.get('/api/stats', { schema: { tags, response: { 200: UserStatsSchema } } }, userStats);

  // The original design's route: the same numbers, and only ever the caller's own.
  app.get(
    '/stats',
    { schema: { tags, querystring: Type.Object({ user: Type.Optional(Type.String({ maxLength: 64 })) }), response: { 200: UserStatsSchema } } },
    async (request) => {
      const asked = request.query.user;
      if (asked !== undefined && asked !== principalOf(request).name) {
        throw new AppError('FORBIDDEN', 'You can only read your own stats.');
      }
      return userStats(request);
    },
  );
}

/** POST /events: batches of clicks from redirectors in other processes. Internal token only. */
export async function eventsRoutes(app: App, { analytics, guard }: { analytics: AnalyticsPort; guard: Authenticate }) {
  app.addHook('onRequest', guard);
  app.post(
    '/events',
    {
      schema: {
        hide: true,
        body: EventsBody,
        response: { 202: EventsReply },
      },
    },
    async (request, reply) => {
      const body = request.body as { events: unknown[] } | { id: unknown };
      const items = 'events' in body ? body.events : [body];
      // Item by item: a malformed event is reported by index and the rest are stored.
      const { events, rejected } = checkEvents(items);
      if (events.length === 0 && rejected.length > 0) {
        throw new AppError('VALIDATION', 'No event of the batch is a valid click event.', rejected.flatMap((r) =>
          r.errors.map((e) => ({ field: `/events/${r.index}${e.field === '/' ? '' : e.field}`, message: e.message }))));
      }
      const result = await analytics.ingest(events);
      return reply.code(202).send(rejected.length > 0 ? { ...result, rejected } : result);
    },
  );
}
