import { Type } from 'typebox';
import { PrincipalSchema } from '../../common/principal.ts';

/**
 * The one definition of each auth shape: the port types are `Static<typeof …>` of these
 * (auth.port.ts), the routes validate and document with them.
 */
export { PrincipalSchema };

/** The longest credential the route takes; the client answers null itself beyond them. */
export const CREDENTIAL_LIMITS = { apiKey: 256, userName: 64, session: 64 } as const;

/**
 * What a request presents: an API key, or (AUTH_MODE=header only) a trusted user name. The
 * branches stay open: with Ajv's removeAdditional a closed first branch would strip `userName`
 * before the second is tried. Only peers holding the INTERNAL_TOKEN send it.
 */
export const CredentialSchema = Type.Union([
  Type.Object({ apiKey: Type.String({ maxLength: CREDENTIAL_LIMITS.apiKey }) }),
  Type.Object({ userName: Type.String({ maxLength: CREDENTIAL_LIMITS.userName }) }),
  Type.Object({ session: Type.String({ maxLength: CREDENTIAL_LIMITS.session }) }),
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
  hasPassword: Type.Boolean({ description: 'whether the user can sign in to the dashboard with a password' }),
  createdAt: Type.String(),
  activeKeys: Type.Integer(),
});

/** A new key as the API shows it, once: the user by name. */
export const IssuedKeySchema = Type.Object({ user: Type.String(), apiKey: Type.String(), prefix: Type.String() });

export const PASSWORD_LENGTH = { min: 8, max: 1024 } as const;

export const CreateUserBody = Type.Object(
  {
    name: Type.String(),
    admin: Type.Optional(Type.Boolean()),
    password: Type.Optional(Type.String({ description: `for signing in to the dashboard, ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters` })),
  },
  { additionalProperties: false },
);

/**
 * How the dashboard signs in: a user's password, an API key, or (AUTH_MODE=header) a trusted
 * name. The branches stay open, as in CredentialSchema: a closed first branch would strip the others' fields.
 */
export const LoginBody = Type.Union([
  Type.Object({ name: Type.String({ maxLength: CREDENTIAL_LIMITS.userName }), password: Type.String({ maxLength: PASSWORD_LENGTH.max }) }),
  Type.Object({ apiKey: Type.String({ maxLength: CREDENTIAL_LIMITS.apiKey }) }),
  Type.Object({ user: Type.String({ maxLength: CREDENTIAL_LIMITS.userName }) }),
]);

/** A signed-in session as the dashboard sees it: who, and the token its state-changing requests send as X-CSRF-Token. */
export const SessionSchema = Type.Object({ user: PrincipalSchema, csrfToken: Type.String() });

/** What the sign-in page needs to know before anyone is signed in. */
export const AuthOptionsSchema = Type.Object({
  authMode: Type.Union([Type.Literal('apikey'), Type.Literal('header')]),
  users: Type.Array(Type.String(), { description: 'the names to pick from in AUTH_MODE=header; empty otherwise' }),
});

export const PrefixParams = Type.Object({ prefix: Type.String({ maxLength: 64 }) });
