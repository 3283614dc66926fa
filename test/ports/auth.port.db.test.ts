import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createInternalGuard } from '../../src/common/http/internal.ts';
import { authInternalRoutes, authMigrations, createAuthClient, createAuthRepository, createAuthService, type AuthPort, type AuthService } from '../../src/modules/auth/index.ts';
import { useDatabase } from '../support/test-support.ts';
import { portContract, servePort, TOKEN } from './harness.ts';

describe('AuthPort contract (sqlite)', () => {
  const database = useDatabase('sqlite', { auth: authMigrations });
  let service: AuthService | undefined;
  // One service for both implementations; `trusted` is the AUTH_MODE=header user list.
  const auth = () => (service ??= createAuthService({ repository: createAuthRepository(database()), trustedUserNames: ['trusted-one'] }));

  portContract<AuthPort>(
    'AuthPort',
    [
      { name: 'the auth service in process', open: async () => ({ port: auth() }) },
      {
        name: 'createAuthClient over HTTP to authInternalRoutes',
        async open() {
          const server = await servePort('auth', (app) => app.register(authInternalRoutes, { auth: auth(), guard: createInternalGuard(TOKEN) }));
          // No verdict cache: the contract is about answers, the cache has its own tests.
          return { port: createAuthClient(server.http, { ttlMs: 1 }), close: server.close };
        },
      },
    ],
    (port) => {
      const run = Math.random().toString(36).slice(2, 8);

      it('when a key is valid, then verify answers its principal; once revoked, null', async () => {
        const issued = await auth().createUser(`pc-${run}`, { admin: true });
        assert.deepEqual(await port().verify({ apiKey: issued.apiKey }), { id: issued.user.id, name: `pc-${run}`, isAdmin: true });
        await auth().revokeKey(issued.prefix);
        await new Promise((resolve) => setTimeout(resolve, 5));
        assert.equal(await port().verify({ apiKey: issued.apiKey }), null);
      });

      it('when a key is unknown or malformed, then verify answers null and never throws', async () => {
        for (const apiKey of [`mlk_${'Z'.repeat(32)}`, '', 'mlk_', 'no-prefix', 'mlk_\u0000abc', `mlk_${'A'.repeat(300)}`]) {
          assert.equal(await port().verify({ apiKey }), null, JSON.stringify(apiKey.slice(0, 20)));
        }
      });

      it('when a user name is given, then only a trusted, existing user is a principal', async () => {
        await auth().ensureUsers(['trusted-one']);
        assert.equal((await port().verify({ userName: 'trusted-one' }))?.name, 'trusted-one');
        await auth().createUser(`untrusted-${run}`);
        for (const userName of [`untrusted-${run}`, 'nobody', '', 'x'.repeat(100)]) {
          assert.equal(await port().verify({ userName }), null, userName.slice(0, 20));
        }
      });
    },
  );
});
