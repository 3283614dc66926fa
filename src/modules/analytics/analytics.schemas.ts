import { Type } from 'typebox';
import { MAX_INSTANT_MS } from '../../common/dates.ts';
import { byDimensionField } from './analytics.dimensions.ts';

// The one definition of every analytics shape: the port types are Static<> of these.

const Counted = Type.Array(Type.Object({ value: Type.String(), count: Type.Integer() }));

export const LinkStatsSchema = Type.Object({
  code: Type.String(),
  total: Type.Integer(),
  unique: Type.Integer(),
  bots: Type.Integer(),
  series: Type.Array(Type.Object({ t: Type.String({ format: 'date-time' }), count: Type.Integer() })),
  ...byDimensionField(() => Counted),
});

/** Which clicks the stats count: humans only (the default), everything, or bots only. */
export const BotsFilterSchema = Type.Union([Type.Literal('exclude'), Type.Literal('include'), Type.Literal('only')], {
  default: 'exclude',
  description: 'exclude: human clicks only; include: humans and bots; only: bot clicks only',
});

export const StatsQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'ISO-8601, inclusive' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'ISO-8601, inclusive' })),
    interval: Type.Union([Type.Literal('hour'), Type.Literal('day')], { default: 'day' }),
    bots: BotsFilterSchema,
  },
);

export const UserStatsQuery = Type.Object({ bots: BotsFilterSchema });

/** A stats period in epoch milliseconds, as the stats route hands it to the queries. */
export const StatsRangeSchema = Type.Object(
  {
    from: Type.Optional(Type.Integer()),
    to: Type.Optional(Type.Integer()),
    interval: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
  },
  { additionalProperties: false },
);

export const UserStatsSchema = Type.Object({
  user: Type.String(),
  links: Type.Integer(),
  clicks: Type.Integer(),
  top: Type.Array(Type.Object({ code: Type.String(), clicks: Type.Integer() })),
});

/** What the queries add to a user's stats; links counts the links themselves. */
export const UserClicksSchema = Type.Object({ clicks: UserStatsSchema.properties.clicks, top: UserStatsSchema.properties.top });

/**
 * The documented limits of a click's optional text. Longer values come from visitors' headers,
 * so ingestion truncates them instead of refusing the click.
 */
export const EVENT_TEXT_LIMITS = { referrer: 2048, userAgent: 1024, country: 8, target: 2048 } as const;

export const ClickEventSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  linkId: Type.String({ minLength: 1, maxLength: 64 }),
  ownerId: Type.String({ minLength: 1, maxLength: 64 }),
  code: Type.String({ minLength: 1, maxLength: 64 }),
  at: Type.Integer({ minimum: 0, maximum: MAX_INSTANT_MS }),
  referrer: Type.Optional(Type.Union([Type.String({ maxLength: EVENT_TEXT_LIMITS.referrer }), Type.Null()])),
  userAgent: Type.Optional(Type.Union([Type.String({ maxLength: EVENT_TEXT_LIMITS.userAgent }), Type.Null()])),
  visitor: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Null()])),
  country: Type.Optional(Type.Union([Type.String({ maxLength: EVENT_TEXT_LIMITS.country }), Type.Null()])),
  /** The URL a link's targeting rules sent the visitor to (its own url when none matched); absent without rules. */
  target: Type.Optional(Type.Union([Type.String({ maxLength: EVENT_TEXT_LIMITS.target }), Type.Null()])),
});

/** The most events one POST /events takes, as JSON or as frames: a sender never sends more. */
export const EVENTS_PER_POST_MAX = 10_000;

/**
 * The batch is checked as a list here; each item is checked on its own by the route (one bad
 * event never blocks the rest). A single bare event is accepted too.
 */
export const EventsBody = Type.Union([
  // Open on purpose: with removeAdditional, a closed first branch would strip a bare event's
  // fields while Ajv tries it, and the second branch would then refuse what is left.
  Type.Object({ events: Type.Array(Type.Unknown(), { maxItems: EVENTS_PER_POST_MAX }) }),
  Type.Object({ id: Type.Unknown() }),
]);

export const RejectedEventSchema = Type.Object({
  index: Type.Integer(),
  errors: Type.Array(Type.Object({ field: Type.String(), message: Type.String() })),
});

export const EventsReply = Type.Object({
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  /** Only present when some events were refused; the others were stored. */
  rejected: Type.Optional(Type.Array(RejectedEventSchema)),
  /**
   * The id of the database that stored them (GET /internal/analytics/database's): a sender learns
   * from every answer where its clicks go, even when analytics moved without a send failing.
   * An analytics of an earlier version leaves it out.
   */
  database: Type.Optional(Type.String()),
});

// The internal routes' bodies: peers are ours, yet a body with a stray field is a bug to surface.
const Id = Type.String({ maxLength: 64 });

export const TotalsBody = Type.Object({ linkIds: Type.Array(Id, { maxItems: 1000 }) }, { additionalProperties: false });
export const TotalsReply = Type.Object({ totals: Type.Record(Type.String(), Type.Integer()) });

export const LinkRefSchema = Type.Object({ id: Id, code: Id }, { additionalProperties: false });
// `bots` is optional so a peer from before it still gets the human counts it always got.
export const LinkStatsBody = Type.Object({ link: LinkRefSchema, range: StatsRangeSchema, bots: Type.Optional(BotsFilterSchema) }, { additionalProperties: false });

export const PrincipalSchema = Type.Object({ id: Id, name: Type.String(), isAdmin: Type.Boolean() }, { additionalProperties: false });
export const UserClicksBody = Type.Object({ owner: PrincipalSchema, bots: Type.Optional(BotsFilterSchema) }, { additionalProperties: false });

/** At most this many codes in one answer of POST /internal/analytics/hot-codes: CACHE_MAX's bound too. */
export const HOT_CODES_MAX = 100_000;
// A week of hours at most: the cache is warmed with what is clicked now, not what once was.
export const HotCodesBody = Type.Object(
  { hours: Type.Integer({ minimum: 1, maximum: 168 }), limit: Type.Integer({ minimum: 1, maximum: HOT_CODES_MAX }) },
  { additionalProperties: false },
);
export const HotCodesReply = Type.Object({ codes: Type.Array(Id) });

export const DatabaseReply = Type.Object({ id: Type.String() });
