import type { Config } from '../common/config.ts';
import { createContext } from './context.ts';
import { authMigrations, createAuthRepository, createAuthService, type AuthService } from '../modules/auth/index.ts';
import { MODULES } from './registry.ts';

/** `morphlink migrate`: every module's tables, on each module's database. */
export async function migrateAll(config: Readonly<Config>): Promise<void> {
  const ctx = createContext({ ...config, logLevel: 'warn' }, 'cli');
  try {
    for (const module of MODULES) if (module.migrations) await ctx.openModuleDatabase(module.name, module.migrations);
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
