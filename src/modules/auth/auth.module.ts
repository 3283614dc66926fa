import type { Authenticate } from '../../common/http/principal.ts';
import type { ConfigSlice } from '../../common/config.ts';
import type { ModuleContext, ModuleDescriptor } from '../../common/module.ts';
import { createAuthClient } from './auth.client.ts';
import { createAuthenticate } from './auth.guard.ts';
import { authInternalRoutes } from './auth.internal.ts';
import { authMigrations } from './auth.migrations.ts';
import type { AuthService } from './auth.port.ts';
import { createAuthRepository } from './auth.repository.ts';
import { authRoutes } from './auth.routes.ts';
import { createAuthService } from './auth.service.ts';
import { createLoginThrottle } from './auth.sessions.ts';

/** What every other module gets from auth: the hook that turns a request's credential into a principal. */
export interface AuthPeer {
  authenticate: Authenticate;
}

const ANY = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

type AuthSettings = Readonly<ConfigSlice<'auth'>>;

export const authModule: ModuleDescriptor<AuthPeer, object, AuthSettings> = {
  name: 'auth',
  defaultPort: 8004,
  migrations: authMigrations,
  publicRoutes: ['/api/auth/*', '/api/users', '/api/users/*'].map((url) => ({ methods: [...ANY], url })),
  stopOrder: 40,
  needs: [],

  async build(ctx) {
    const { authMode, users, sessionTtlHours, loginAttempts, baseUrl } = ctx.config;
    const sessionTtlMs = sessionTtlHours * 3_600_000;
    const auth = createAuthService({
      repository: createAuthRepository(ctx.database!),
      trustedUserNames: authMode === 'header' ? users : [],
      sessionTtlMs,
    });
    await greet(ctx, auth);
    const authenticate = createAuthenticate(auth, authMode);
    const routes = {
      auth,
      authenticate,
      authMode,
      users,
      throttle: createLoginThrottle(loginAttempts),
      secureCookie: baseUrl.startsWith('https:'),
      sessionTtlMs,
    };
    return {
      provides: { authenticate },
      routes: (app) => void app.register(authRoutes, routes),
      internalRoutes: (app, guard) => void app.register(authInternalRoutes, { auth, guard }),
    };
  },

  connect(remote) {
    const http = remote.http('auth');
    remote.ready({ auth: () => http.call('GET', '/health') });
    return { authenticate: createAuthenticate(createAuthClient(http), remote.config.authMode) };
  },
};

/** Says at start what a newcomer must do: make a first user, or know that header mode trusts anyone. */
async function greet(ctx: ModuleContext<AuthSettings>, auth: AuthService): Promise<void> {
  const { authMode, users } = ctx.config;
  if (authMode === 'header') {
    // Loud on purpose: on stderr whatever LOG_LEVEL says, since anyone who can reach the port is any user.
    const warning =
      `AUTH_MODE=header: X-User and ?user= are trusted WITHOUT a key for ${users.join(', ')}. ` +
      'Anyone who can reach this port can act as them. User and key management is disabled. Use it only for demos.';
    ctx.logger.warn({ users }, warning);
    process.stderr.write(`\n!!! WARNING !!! ${warning}\n\n`);
    await auth.ensureUsers(users);
  } else if ((await auth.countUsers()) === 0) {
    ctx.logger.warn(
      'No users yet. Create the first one (an admin, with a password for the dashboard) with: npx morphlink user create <name> --admin --password',
    );
  }
}
