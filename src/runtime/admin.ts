import type { Config } from '../common/config.ts';
import { createContext, type Context } from './context.ts';
import { authMigrations, createAuthRepository, createAuthService, type AuthService } from '../modules/auth/index.ts';
import { MODULES } from './registry.ts';
import type { Principal } from '../common/principal.ts';
import {
  createLinksRepository,
  createLinksService,
  linksMigrations,
  loadBlockedDomains,
  shortUrlOrigins,
  type ClickTotals,
  type LinkChangeListener,
  type LinksPort,
} from '../modules/links/index.ts';

/** `morphlink migrate`: every module's tables, on each module's database. */
export async function migrateAll(config: Readonly<Config>): Promise<void> {
  const ctx = createContext({ ...config, logLevel: 'warn' }, 'cli');
  try {
    for (const module of MODULES) if (module.migrations) await ctx.openModuleDatabase(module.name, module.migrations);
  } finally {
    await ctx.databases.closeAll();
  }
}

/** The command line lists no click totals: analytics may keep them in another database. */
const NO_CLICK_TOTALS: ClickTotals = { totalsFor: async () => new Map() };
/** Creating links drops no cache: a redirector caches only codes it has seen. */
const NO_CACHES: LinkChangeListener = { linkChanged: async () => {} };

/** What a command acting for one user works with; `ctx` opens any other module's database. */
export interface UserLinks {
  owner: Principal;
  links: LinksPort;
  ctx: Context;
}

/**
 * Runs `work` on a user's links (import, export) with the service the API uses, so every check of
 * a created link is the same: the user by name from the auth database, the links on theirs.
 */
export async function withUserLinks<T>(config: Readonly<Config>, userName: string, work: (user: UserLinks) => Promise<T>): Promise<T> {
  const ctx = createContext({ ...config, logLevel: 'warn' }, 'cli');
  try {
    const auth = createAuthService({ repository: createAuthRepository(await ctx.openModuleDatabase('auth', authMigrations)), trustedUserNames: [] });
    const owner = await auth.userNamed(userName);
    const links = createLinksService({
      repository: createLinksRepository(await ctx.openModuleDatabase('links', linksMigrations)),
      clicks: NO_CLICK_TOTALS,
      changes: NO_CACHES,
      baseUrl: config.baseUrl,
      listen: shortUrlOrigins(config),
      blocked: loadBlockedDomains(config),
      log: ctx.logger,
    });
    return await work({ owner, links, ctx });
  } finally {
    await ctx.databases.closeAll();
  }
}

/** Runs one piece of user/key administration against the auth database, then closes it. */
export async function withAuthAdmin<T>(config: Readonly<Config>, work: (auth: AuthService) => Promise<T>): Promise<T> {
  const ctx = createContext({ ...config, logLevel: 'warn' }, 'cli');
  try {
    const database = await ctx.openModuleDatabase('auth', authMigrations);
    return await work(createAuthService({ repository: createAuthRepository(database), trustedUserNames: [] }));
  } finally {
    await ctx.databases.closeAll();
  }
}
