import type { Config } from '../common/config.ts';
import { createContext } from './context.ts';
import { analyticsMigrations } from '../modules/analytics/index.ts';
import { authMigrations, createAuthRepository, createAuthService, type AuthService } from '../modules/auth/index.ts';
import { linksMigrations } from '../modules/links/index.ts';

/** `morphlink migrate`: every module's tables, on each module's database. */
export async function migrateAll(config: Readonly<Config>): Promise<void> {
  const ctx = createContext({ ...config, logLevel: 'warn' }, 'cli');
  try {
    await ctx.openModuleDatabase('auth', authMigrations);
    await ctx.openModuleDatabase('links', linksMigrations);
    await ctx.openModuleDatabase('analytics', analyticsMigrations);
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
