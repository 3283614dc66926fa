import type { App } from '../../common/http/server.ts';
import type { Authenticate } from '../../common/http/principal.ts';
import type { AuthPort } from './auth.port.ts';
import { CredentialSchema, VerdictSchema } from './auth.schemas.ts';

/** POST /internal/auth/verify: the AuthPort for peer services. */
export async function authInternalRoutes(app: App, { auth, guard }: { auth: AuthPort; guard: Authenticate }) {
  app.addHook('onRequest', guard);
  app.post('/internal/auth/verify', { schema: { hide: true, body: CredentialSchema, response: { 200: VerdictSchema } } }, async (request) => ({
    principal: await auth.verify(request.body),
  }));
}
