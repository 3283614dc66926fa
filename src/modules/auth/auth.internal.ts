import { Type } from 'typebox';
import type { App } from '../../common/http/server.ts';
import type { Authenticate } from '../../common/http/principal.ts';
import type { AuthPort, Credential } from './auth.port.ts';

const CredentialSchema = Type.Union([
  Type.Object({ apiKey: Type.String({ maxLength: 256 }) }),
  Type.Object({ userName: Type.String({ maxLength: 64 }) }),
]);

/** POST /internal/auth/verify: the AuthPort for peer services. */
export async function authInternalRoutes(app: App, { auth, guard }: { auth: AuthPort; guard: Authenticate }) {
  app.addHook('onRequest', guard);
  app.post('/internal/auth/verify', { schema: { hide: true, body: CredentialSchema } }, async (request) => ({
    principal: await auth.verify(request.body as Credential),
  }));
}
