import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { parseInstant } from '../../common/dates.ts';
import { AppError } from '../../common/errors.ts';
import { API_PROBLEMS, problems } from '../../common/http/docs.ts';
import type { App } from '../../common/http/server.ts';
import { principalOf, type Authenticate } from '../../common/http/principal.ts';
import { CLICK_FRAMES_MEDIA_TYPE, TornFrame, decodeWholeClickFrames } from './analytics.click-frame.ts';
import { checkEvents } from './analytics.events.ts';
import type { AnalyticsQueries, BotsFilter, ClickEvent, ClickIngestion, LinkLookup } from './analytics.port.ts';
import { EventsBody, EventsReply, LinkStatsSchema, StatsQuery, UserStatsQuery, UserStatsSchema } from './analytics.schemas.ts';

const tags = ['analytics'];

/** The format check lets a leap second (23:59:60) through, which no timestamp column holds: 400, not NaN. */
export function instantOf(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseInstant(value);
  if (ms === null) {
    const message = 'must be a real ISO-8601 date-time (no leap second), years 1970-9999';
    throw new AppError('VALIDATION', `${field} ${message}.`, [{ field, message }]);
  }
  return ms;
}

export interface AnalyticsRoutesOptions {
  queries: AnalyticsQueries;
  links: LinkLookup;
  authenticate: Authenticate;
}

/** Per-link and per-user stats for the authenticated caller. */
export async function analyticsRoutes(app: App, { queries, links, authenticate }: AnalyticsRoutesOptions) {
  app.addHook('onRequest', authenticate);

  app.get(
    '/api/links/:code/stats',
    {
      schema: {
        tags,
        operationId: 'getLinkStats',
        summary: 'Clicks of one of the caller’s links: totals, a time series and breakdowns',
        params: Type.Object({ code: Type.String({ maxLength: 64 }) }),
        querystring: StatsQuery,
        response: { 200: LinkStatsSchema, ...problems(400, 404, ...API_PROBLEMS) },
      },
    },
    async (request) => {
      const { from, to, interval, bots } = request.query;
      const range = { from: instantOf(from, 'from'), to: instantOf(to, 'to') };
      // Only {id, code}: one call to links in microservices, and no click total fetched back from here.
      const link = await links.owned(principalOf(request), request.params.code);
      return queries.linkStats(link, { ...range, interval }, bots);
    },
  );

  const userStats = async (request: FastifyRequest, bots: BotsFilter) => {
    const owner = principalOf(request);
    const [count, clicks] = await Promise.all([links.count(owner), queries.userClicks(owner, bots)]);
    return { user: owner.name, links: count, ...clicks };
  };

  app.get(
    '/api/stats',
    {
      schema: {
        tags,
        operationId: 'getMyStats',
        summary: 'The caller’s links and clicks, and their top links',
        querystring: UserStatsQuery,
        response: { 200: UserStatsSchema, ...problems(400, ...API_PROBLEMS) },
      },
    },
    async (request) => userStats(request, request.query.bots),
  );

  // The original design's route: the same numbers, and only ever the caller's own.
  app.get(
    '/stats',
    {
      schema: {
        tags,
        operationId: 'getUserStats',
        summary: 'The original design’s route: the same as /api/stats, only for the caller',
        querystring: Type.Object({
          user: Type.Optional(Type.String({ maxLength: 64, description: 'Must be the caller; another name is a 403' })),
          ...UserStatsQuery.properties,
        }),
        response: { 200: UserStatsSchema, ...problems(400, 403, ...API_PROBLEMS) },
      },
    },
    async (request) => {
      const asked = request.query.user;
      if (asked !== undefined && asked !== principalOf(request).name) {
        throw new AppError('FORBIDDEN', 'You can only read your own stats.');
      }
      return userStats(request, request.query.bots);
    },
  );
}

/**
 * A body of click frames (CLICK_FRAMES_MEDIA_TYPE) read as the batch its frames hold, so the
 * schema and the route see `{ events }` whichever form the redirector sent. Anything but whole
 * frames (cut, damaged, empty) is refused as a whole: nothing of it is stored.
 */
function parseClickFrames(_request: FastifyRequest, body: Buffer, done: (error: Error | null, body?: unknown) => void): void {
  const refused = () => done(new AppError('VALIDATION', `The body is not whole click frames (${CLICK_FRAMES_MEDIA_TYPE}).`));
  if (body.length === 0) return refused();
  let events: ClickEvent[];
  try {
    events = decodeWholeClickFrames(body);
  } catch (error) {
    if (error instanceof TornFrame) return refused();
    throw error;
  }
  done(null, { events });
}

/** POST /events: batches of clicks from redirectors in other processes, as JSON or click frames. Internal token only. */
export async function eventsRoutes(app: App, { ingestion, guard }: { ingestion: ClickIngestion; guard: Authenticate }) {
  app.addHook('onRequest', guard);
  app.addContentTypeParser(CLICK_FRAMES_MEDIA_TYPE, { parseAs: 'buffer' }, parseClickFrames);
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
      const { body } = request;
      const items = 'events' in body ? body.events : [body];
      // Item by item: a malformed event is reported by index and the rest are stored.
      const { events, rejected } = checkEvents(items);
      if (events.length === 0 && rejected.length > 0) {
        throw new AppError('VALIDATION', 'No event of the batch is a valid click event.', rejected.flatMap((r) =>
          r.errors.map((e) => ({ field: `/events/${r.index}${e.field === '/' ? '' : e.field}`, message: e.message }))));
      }
      const result = { ...(await ingestion.ingest(events)), database: await ingestion.databaseId() };
      return reply.code(202).send(rejected.length > 0 ? { ...result, rejected } : result);
    },
  );
}
