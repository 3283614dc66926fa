import { Type } from 'typebox';
import type { AuthMode } from '../../common/config.ts';
import { AppError } from '../../common/errors.ts';
import { API_PROBLEMS, BODY_PROBLEMS, noContent, problems } from '../../common/http/docs.ts';
import type { App } from '../../common/http/server.ts';
import { principalOf, type Authenticate } from '../../common/http/principal.ts';
import { sessionOf } from './auth.guard.ts';
import type { AuthService } from './auth.port.ts';
import {
  ApiKeyInfoSchema,
  AuthOptionsSchema,
  CreateUserBody,
  IssuedKeySchema,
  LoginBody,
  PrefixParams,
  PrincipalSchema,
  SessionSchema,
} from './auth.schemas.ts';
import { SESSION_COOKIE, csrfTokenFor, type LoginThrottle } from './auth.sessions.ts';

const tags = ['auth'];

export const HEADER_MODE_REFUSAL =
  'User and key management is disabled in AUTH_MODE=header: anyone can claim a user name there, so nothing minted would be safe to keep.';

export interface AuthRoutesOptions {
  auth: AuthService;
  authenticate: Authenticate;
  authMode: AuthMode;
  users: readonly string[];
  throttle: LoginThrottle;
  /** The session cookie says Secure when the public URL is https. */
  secureCookie: boolean;
  sessionTtlMs: number;
}

/** /api/users/* and /api/auth/*: signing in and out, who am I, users (admins), and the caller's own API keys. */
export async function authRoutes(app: App, options: AuthRoutesOptions) {
  await app.register(signInRoutes, options);
  await app.register(accountRoutes, options);
}

/** Before anyone is signed in: what the sign-in page offers, and the sign-in itself. */
async function signInRoutes(app: App, { auth, authMode, users, throttle, secureCookie, sessionTtlMs }: AuthRoutesOptions) {
  app.get(
    '/api/auth/options',
    { schema: { tags, operationId: 'getAuthOptions', summary: 'How the dashboard may sign in (no credentials needed)', response: { 200: AuthOptionsSchema, ...problems(429, 503) } } },
    async () => ({ authMode, users: authMode === 'header' ? [...users] : [] }),
  );

  app.post(
    '/api/auth/login',
    {
      schema: {
        tags,
        operationId: 'login',
        summary: 'Sign in with a password, an API key, or (AUTH_MODE=header) a listed name; sets the session cookie',
        body: LoginBody,
        response: { 200: SessionSchema, ...problems(...BODY_PROBLEMS, ...API_PROBLEMS) },
      },
    },
    async (request, reply) => {
      const attempt = request.body;
      const user = 'password' in attempt ? attempt.name : undefined;
      const wait = throttle.retryAfter(request.ip, user);
      if (wait > 0) {
        reply.header('retry-after', wait);
        throw new AppError('RATE_LIMITED', `Too many failed sign-ins; retry in ${wait} s.`);
      }
      const session = await auth.startSession(attempt);
      if (!session) {
        throttle.failed(request.ip, user);
        throw new AppError('UNAUTHORIZED', 'password' in attempt ? 'Wrong user name or password.' : 'The API key or user name is unknown.');
      }
      throttle.succeeded(user);
      reply.setCookie(SESSION_COOKIE, session.sessionId, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookie,
        maxAge: Math.floor(sessionTtlMs / 1000),
      });
      return { user: session.user, csrfToken: session.csrfToken };
    },
  );
}

/** Everything that needs a principal. */
async function accountRoutes(app: App, { auth, authenticate, authMode, secureCookie }: AuthRoutesOptions) {
  app.addHook('onRequest', authenticate);

  app.get(
    '/api/auth/session',
    { schema: { tags, operationId: 'getSession', summary: 'The signed-in user and the CSRF token of its session (cookie sessions only)', response: { 200: SessionSchema, ...problems(...API_PROBLEMS) } } },
    async (request) => {
      const session = sessionOf(request);
      // A key or X-User passed the guard, but has no session: the dashboard must sign in.
      if (session === undefined || request.headers.authorization || request.headers['x-api-key'] || request.headers['x-user']) {
        throw new AppError('UNAUTHORIZED', 'No dashboard session: sign in with POST /api/auth/login.');
      }
      return { user: principalOf(request), csrfToken: csrfTokenFor(session) };
    },
  );

  app.post(
    '/api/auth/logout',
    { schema: { tags, operationId: 'logout', summary: 'End the dashboard session and clear its cookie', response: { 204: noContent('Signed out'), ...problems(403, ...API_PROBLEMS) } } },
    async (request, reply) => {
      const session = sessionOf(request);
      if (session !== undefined) await auth.endSession(session);
      reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookie });
      return reply.code(204).send();
    },
  );

  // In header mode a name is a claim, not a proof: keys or admins minted then would outlive the demo.
  const managing = {
    onRequest: async () => {
      if (authMode === 'header') throw new AppError('FORBIDDEN', HEADER_MODE_REFUSAL);
    },
  };

  app.get('/api/users/me', { schema: { tags, operationId: 'getMe', summary: 'Who the credential belongs to', response: { 200: PrincipalSchema, ...problems(...API_PROBLEMS) } } }, async (request) => principalOf(request));

  app.post(
    '/api/users',
    {
      ...managing,
      schema: {
        tags,
        operationId: 'createUser',
        summary: 'Create a user and its first API key (admins only)',
        body: CreateUserBody,
        response: { 201: IssuedKeySchema, ...problems(...BODY_PROBLEMS, 403, 409, ...API_PROBLEMS) },
      },
    },
    async (request, reply) => {
      if (!principalOf(request).isAdmin) throw new AppError('FORBIDDEN', 'Only an admin can create users.');
      const { name, admin = false, password } = request.body;
      const issued = await auth.createUser(name, { admin, ...(password !== undefined && { password }) });
      return reply.code(201).send({ user: issued.user.name, apiKey: issued.apiKey, prefix: issued.prefix });
    },
  );

  app.get(
    '/api/auth/keys',
    {
      ...managing,
      schema: {
        tags,
        operationId: 'listKeys',
        summary: 'The caller’s API keys (prefixes only), revoked ones included',
        response: {
          200: Type.Array(ApiKeyInfoSchema),
          ...problems(403, ...API_PROBLEMS),
        },
      },
    },
    async (request) => auth.listKeys(principalOf(request)),
  );

  app.post('/api/auth/keys', { ...managing, schema: { tags, operationId: 'createKey', summary: 'A new API key for the caller, shown once', response: { 201: IssuedKeySchema, ...problems(...BODY_PROBLEMS, 403, ...API_PROBLEMS) } } }, async (request, reply) => {
    const issued = await auth.createKey(principalOf(request).name);
    return reply.code(201).send({ user: issued.user.name, apiKey: issued.apiKey, prefix: issued.prefix });
  });

  app.delete(
    '/api/auth/keys/:prefix',
    {
      ...managing,
      schema: {
        tags,
        operationId: 'revokeKey',
        summary: 'Revoke one of the caller’s API keys by its prefix',
        params: PrefixParams,
        response: { 204: noContent('Revoked'), ...problems(400, 403, 404, ...API_PROBLEMS) },
      },
    },
    async (request, reply) => {
      await auth.revokeKey(request.params.prefix, principalOf(request));
      return reply.code(204).send();
    },
  );
}
