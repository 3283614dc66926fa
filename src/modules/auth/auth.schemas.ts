import { Type } from 'typebox';
import { PrincipalSchema } from '../../common/principal.ts';

/**
 * The one definition of each auth shape: the port types are `Static<typeof …>` of these
 * (auth.port.ts), the routes validate and document with them.
 */
export { PrincipalSchema };

/** The longest credential the route takes; the client answers null itself beyond them. */
export const CREDENTIAL_LIMITS = { apiKey: 256, userName: 64 } as const;

/**
 * What a request presents: an API key, or (AUTH_MODE=header only) a trusted user name. The
 * branches stay open: with Ajv's removeAdditional a closed first branch would strip `userName`
 * before the second is tried. Only peers holding the INTERNAL_TOKEN send it.
 */
export const CredentialSchema = Type.Union([
  Type.Object({ apiKey: Type.String({ maxLength: CREDENTIAL_LIMITS.apiKey }) }),
  Type.Object({ userName: Type.String({ maxLength: CREDENTIAL_LIMITS.userName }) }),
]);

/** POST /internal/auth/verify answers: null when unknown, revoked or not allowed. */
export const VerdictSchema = Type.Object({ principal: Type.Union([PrincipalSchema, Type.Null()]) });

export const ApiKeyInfoSchema = Type.Object({
  prefix: Type.String(),
  createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});

export const UserInfoSchema = Type.Object({
  name: Type.String(),
  isAdmin: Type.Boolean(),
  createdAt: Type.String(),
  activeKeys: Type.Integer(),
});

/** A new key as the API shows it, once: the user by name. */
export const IssuedKeySchema = Type.Object({ user: Type.String(), apiKey: Type.String(), prefix: Type.String() });

export const CreateUserBody = Type.Object(
  { name: Type.String(), admin: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const PrefixParams = Type.Object({ prefix: Type.String({ maxLength: 64 }) });
