import { Type } from 'typebox';
import { ProblemRef } from '../../common/http/docs.ts';

/**
 * The one definition of each links shape: the port types are `Static<typeof …>` of these
 * (links.port.ts), the routes validate and document with them. Request bodies are closed:
 * an unknown member (say `owner`) is removed by validation, never seen by the service.
 */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const RedirectTypeSchema = Type.Union([Type.Literal(301), Type.Literal(302), Type.Literal(307), Type.Literal(308)]);
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 20 });
const Title = Type.String({ maxLength: 500 });
const Password = Type.String({ minLength: 1, maxLength: 256 });
const MaxClicks = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

/** The platforms a targeting rule can name, as a visitor's User-Agent tells them (redirector.targeting.ts). */
const Device = Type.Union([Type.Literal('ios'), Type.Literal('android'), Type.Literal('desktop')]);
const Os = Type.Union([
  Type.Literal('ios'),
  Type.Literal('android'),
  Type.Literal('windows'),
  Type.Literal('macos'),
  Type.Literal('linux'),
  Type.Literal('chromeos'),
]);
export const RULES_MAX = 10;

/** One targeting rule: every condition it names must hold; the first rule that holds picks the target. */
export const TargetRuleSchema = Type.Object({
  device: Type.Optional(Device),
  os: Type.Optional(Os),
  country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2, e.g. DE' })),
  url: Type.String({ description: 'where a matching visitor goes; checked like the link’s url' }),
}, { additionalProperties: false });
const Rules = Type.Array(TargetRuleSchema, {
  maxItems: RULES_MAX,
  description: 'targeting rules, tried in order; the first that matches wins, the link’s url is the fallback',
});

export const LinkSchema = Type.Object({
  id: Type.String(),
  code: Type.String(),
  shortUrl: Type.String(),
  url: Type.String(),
  title: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  expiresAt: Nullable(Type.String({ format: 'date-time' })),
  maxClicks: Nullable(Type.Integer()),
  clicks: Nullable(Type.Integer({ description: 'human clicks; null when analytics did not answer in time' })),
  redirectType: RedirectTypeSchema,
  hasPassword: Type.Boolean(),
  rules: Rules,
});

/** What the redirector needs to answer a code: no owner-facing fields, times in epoch ms. */
export const ResolvedLinkSchema = Type.Object({
  id: Type.String(),
  code: Type.String(),
  url: Type.String(),
  ownerId: Type.String(),
  expiresAt: Nullable(Type.Number()),
  maxClicks: Nullable(Type.Integer()),
  redirectType: RedirectTypeSchema,
  passwordHash: Nullable(Type.String()),
  rules: Rules,
});

/** No link's code is longer ([A-Za-z0-9_-]{3,64}): a longer one is no link, without asking. */
export const CODE_MAX_LENGTH = 64;
/** Codes resolved in one internal call: a redirector's cache misses of one event-loop turn. */
export const RESOLVE_MANY_MAX = 200;
export const ResolveManyBody = Type.Object({
  codes: Type.Array(Type.String({ maxLength: CODE_MAX_LENGTH }), { minItems: 1, maxItems: RESOLVE_MANY_MAX }),
});
/**
 * The links found, each with its code; a code asked and not among them has no link. (Not one
 * answer per code with nulls: a nullable item makes the serializer try each branch of the union
 * on every item, which cost links more than the lookups.)
 */
export const ResolveManySchema = Type.Object({ links: Type.Array(ResolvedLinkSchema) });

export const CreateLinkBody = Type.Object({
  url: Type.String({ description: 'http(s) target, at most 2048 characters' }),
  code: Type.Optional(Type.String({ description: 'custom code, [A-Za-z0-9_-]{3,64}' })),
  title: Type.Optional(Title),
  tags: Type.Optional(Tags),
  expiresAt: Type.Optional(Type.String({ description: 'ISO-8601 date-time' })),
  maxClicks: Type.Optional(MaxClicks),
  password: Type.Optional(Password),
  redirectType: Type.Optional(RedirectTypeSchema),
  rules: Type.Optional(Rules),
}, { additionalProperties: false });

/** PATCH: absent leaves a field alone, null clears it. */
export const UpdateLinkBody = Type.Object({
  url: Type.Optional(Type.String()),
  title: Type.Optional(Nullable(Title)),
  tags: Type.Optional(Tags),
  expiresAt: Type.Optional(Nullable(Type.String())),
  maxClicks: Type.Optional(Nullable(MaxClicks)),
  password: Type.Optional(Nullable(Password)),
  redirectType: Type.Optional(RedirectTypeSchema),
  rules: Type.Optional(Nullable(Rules)),
}, { additionalProperties: false });

export const BULK_MAX = 1_000;

/**
 * Items are checked one by one against CreateLinkBody by the service, not by the route: one bad
 * item must come back as its own problem, not refuse the whole batch.
 */
export const BulkCreateBody = Type.Object({
  links: Type.Array(Type.Unknown({ description: 'a CreateLinkBody' }), { minItems: 1, maxItems: BULK_MAX }),
}, { additionalProperties: false });

export const BulkItemResultSchema = Type.Object({
  index: Type.Integer({ description: 'the item’s place in `links`, from 0' }),
  status: Type.Integer({ description: '201 when created, else the status its own request would have had' }),
  link: Type.Optional(LinkSchema),
  problem: Type.Optional(ProblemRef),
});

export const BulkReplySchema = Type.Object({
  created: Type.Integer(),
  failed: Type.Integer(),
  results: Type.Array(BulkItemResultSchema, { description: 'one per item, in order' }),
});

export const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  q: Type.Optional(Type.String({ maxLength: 200 })),
  tag: Type.Optional(Type.String({ maxLength: 64 })),
});

export const LinkPageSchema = Type.Object({ items: Type.Array(LinkSchema), nextCursor: Nullable(Type.String()) });
export const CodeParams = Type.Object({ code: Type.String({ maxLength: CODE_MAX_LENGTH }) });
export const QrQuery = Type.Object({
  format: Type.Union([Type.Literal('svg'), Type.Literal('png')], { default: 'svg' }),
  size: Type.Integer({ minimum: 64, maximum: 2048, default: 256 }),
});
export const LinksCountSchema = Type.Object({ count: Type.Integer() });
/** What the stats route needs to know of a link it checks the owner of: nothing more. */
export const OwnedLinkSchema = Type.Object({ id: Type.String(), code: Type.String() });
