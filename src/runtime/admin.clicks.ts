import type { Config } from '../common/config.ts';
import { AppError } from '../common/errors.ts';
import { analyticsMigrations, createClickExport, createExportRepository, type ExportedClick } from '../modules/analytics/index.ts';
import { authMigrations, createAuthRepository, createAuthService } from '../modules/auth/index.ts';
import { createLinksRepository, createLinksService, linksMigrations } from '../modules/links/index.ts';
import { createContext } from './context.ts';

export interface ClickExportRequest {
  user: string;
  code: string;
  range: { from?: number; to?: number };
}

/**
 * `morphlink export clicks`: the user's link found on links' database (another user's code is
 * LINK_NOT_FOUND, as over HTTP), then its clicks read page by page from analytics' database.
 */
export async function withLinkClicks<T>(
  config: Readonly<Config>,
  { user, code, range }: ClickExportRequest,
  work: (pages: AsyncGenerator<ExportedClick[]>) => Promise<T>,
): Promise<T> {
  const ctx = createContext({ ...config, logLevel: 'warn' }, 'cli');
  try {
    // With the user as its one trusted name, verify() answers that user's principal (as AUTH_MODE=header would).
    const auth = createAuthService({ repository: createAuthRepository(await ctx.openModuleDatabase('auth', authMigrations)), trustedUserNames: [user] });
    const owner = await auth.verify({ userName: user });
    if (!owner) throw new AppError('USER_NOT_FOUND', `No user named ${user}.`);
    // Only owned() is called: no click totals to ask for, no cache to tell of a change.
    const links = createLinksService({
      repository: createLinksRepository(await ctx.openModuleDatabase('links', linksMigrations)),
      baseUrl: config.baseUrl,
      clicks: { totalsFor: async () => new Map() },
      changes: { linkChanged: async () => undefined },
    });
    const link = await links.owned(owner, code);
    const analytics = await ctx.openModuleDatabase('analytics', analyticsMigrations);
    return await work(createClickExport({ repository: createExportRepository(analytics) }).pages(link, range));
  } finally {
    await ctx.databases.closeAll();
  }
}
