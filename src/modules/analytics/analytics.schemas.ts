import { Type } from 'typebox';

const Counted = Type.Array(Type.Object({ value: Type.String(), count: Type.Integer() }));

export const LinkStatsSchema = Type.Object({
  code: Type.String(),
  total: Type.Integer(),
  unique: Type.Integer(),
  bots: Type.Integer(),
  series: Type.Array(Type.Object({ t: Type.String({ format: 'date-time' }), count: Type.Integer() })),
  referrers: Counted,
  browsers: Counted,
  os: Counted,
  devices: Counted,
  countries: Counted,
});

export const StatsQuery = Type.Object({
  from: Type.Optional(Type.String({ format: 'date-time', description: 'ISO-8601, inclusive' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'ISO-8601, inclusive' })),
  interval: Type.Union([Type.Literal('hour'), Type.Literal('day')], { default: 'day' }),
});

export const UserStatsSchema = Type.Object({
  user: Type.String(),
  links: Type.Integer(),
  clicks: Type.Integer(),
  top: Type.Array(Type.Object({ code: Type.String(), clicks: Type.Integer() })),
});

/**
 * The documented limits of a click's optional text. Longer values come from visitors' headers,
 * so ingestion truncates them instead of refusing the click.
 */
export const EVENT_TEXT_LIMITS = { referrer: 2048, userAgent: 1024, country: 8 } as const;

export const ClickEventSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  linkId: Type.String({ minLength: 1, maxLength: 64 }),
  ownerId: Type.String({ minLength: 1, maxLength: 64 }),
  code: Type.String({ minLength: 1, maxLength: 64 }),
  at: Type.Integer({ minimum: 0 }),
  referrer: Type.Optional(Type.Union([Type.String({ maxLength: EVENT_TEXT_LIMITS.referrer }), Type.Null()])),
  userAgent: Type.Optional(Type.Union([Type.String({ maxLength: EVENT_TEXT_LIMITS.userAgent }), Type.Null()])),
  visitor: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Null()])),
  country: Type.Optional(Type.Union([Type.String({ maxLength: EVENT_TEXT_LIMITS.country }), Type.Null()])),
});

/** The batch is checked as a list here; each item is checked on its own by the route (one bad event never blocks the rest). */
export const EventsBody = Type.Union([
  Type.Object({ events: Type.Array(Type.Unknown(), { maxItems: 10_000 }) }),
  Type.Object({ id: Type.Unknown() }),
]);

export const EventsReply = Type.Object({
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Optional(Type.Array(Type.Object({ index: Type.Integer(), errors: Type.Array(Type.Object({ field: Type.String(), message: Type.String() })) }))),
});
