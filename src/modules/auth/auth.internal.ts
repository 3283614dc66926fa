import { Type } from 'typebox';
import type { App } from '../../common/http/server.ts';
import type { Authenticate } from '../../common/http/principal.ts';
import type { AuthPort, Credential } from './auth.port.ts';

/** The longest credential the route takes; the client answers null itself beyond them. */
export const CREDENTIAL_LIMITS = { apiKey: 256, userName: 64 } as const;

const CredentialSchema = Type.Union([
  Type.Object({ apiKey: Type.String({ maxLength: CREDENTIAL_LIMITS.apiKey }) }),
  Type.Object({ userName: Type.String({ maxLength: CREDENTIAL_LIMITS.userName }) }),
]);

/** POST /internal/auth/verify: the AuthPort for peer services. */
export async function authInternalRoutes(app: App, { auth, guard }: { auth: AuthPort; guard: Authenticate }) {
  app.addHook('onRequest', guard);
  app.post('/internal/auth/verify', { schema: { hide: true, body: CredentialSchema } }, async (request) => ({
    principal: await auth.verify(request.body as Credential),
  }));
}
