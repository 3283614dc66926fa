import { Type } from 'typebox';
import type { AuthMode } from '../../common/config.ts';
import { AppError } from '../../common/errors.ts';
import { API_PROBLEMS, BODY_PROBLEMS, noContent, problems } from '../../common/http/docs.ts';
import type { App } from '../../common/http/server.ts';
import { principalOf, type Authenticate } from '../../common/http/principal.ts';
import type { AuthService } from './auth.port.ts';
import { ApiKeyInfoSchema, CreateUserBody, IssuedKeySchema, PrefixParams, PrincipalSchema } from './auth.schemas.ts';

const tags = ['auth'];

export const HEADER_MODE_REFUSAL =
  'User and key management is disabled in AUTH_MODE=header: anyone can claim a user name there, so nothing minted would be safe to keep.';

/** /api/users/* and /api/auth/*: who am I, users (admins), and the caller's own API keys. */
export async function authRoutes(
  app: App,
  { auth, authenticate, authMode }: { auth: AuthService; authenticate: Authenticate; authMode: AuthMode },
) {
  app.addHook('onRequest', authenticate);
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
      const issued = await auth.createUser(request.body.name, { admin: request.body.admin ?? false });
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
