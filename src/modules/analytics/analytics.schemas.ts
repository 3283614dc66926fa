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

const ClickEventSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  linkId: Type.String({ minLength: 1, maxLength: 64 }),
  ownerId: Type.String({ minLength: 1, maxLength: 64 }),
  code: Type.String({ minLength: 1, maxLength: 64 }),
  at: Type.Integer({ minimum: 0 }),
  referrer: Type.Optional(Type.Union([Type.String({ maxLength: 2048 }), Type.Null()])),
  userAgent: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Null()])),
  visitor: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Null()])),
  country: Type.Optional(Type.Union([Type.String({ maxLength: 8 }), Type.Null()])),
});

export const EventsBody = Type.Union([
  Type.Object({ events: Type.Array(ClickEventSchema, { maxItems: 10_000 }) }),
  ClickEventSchema,
]);
