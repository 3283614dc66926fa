import type { Config } from '../common/config.ts';
import { analyticsMigrations, createClickExport, createExportRepository, type ExportedClick } from '../modules/analytics/index.ts';
import { withUserLinks } from './admin.ts';

export interface ClickExportRequest {
  user: string;
  code: string;
  range: { from?: number; to?: number };
}

/**
 * `morphlink export clicks`: the user's link found on links' database (another user's code is
 * LINK_NOT_FOUND, as over HTTP), then its clicks read page by page from analytics' database.
 */
export function withLinkClicks<T>(
  config: Readonly<Config>,
  { user, code, range }: ClickExportRequest,
  work: (pages: AsyncGenerator<ExportedClick[]>) => Promise<T>,
): Promise<T> {
  return withUserLinks(config, user, async ({ links, owner, ctx }) => {
    const link = await links.owned(owner, code);
    const analytics = await ctx.openModuleDatabase('analytics', analyticsMigrations);
    return work(createClickExport({ repository: createExportRepository(analytics) }).pages(link, range));
  });
}
