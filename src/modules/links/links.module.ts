import type { Config, ConfigSlice } from '../../common/config.ts';
import { createInternalAuthenticate } from '../../common/http/internal.ts';
import type { Authenticate } from '../../common/http/principal.ts';
import type { ModuleDescriptor } from '../../common/module.ts';
import { loadBlockedDomains } from './links.blocklist.ts';
import { createLinksClient } from './links.client.ts';
import { linksInternalRoutes } from './links.internal.ts';
import { linksMigrations } from './links.migrations.ts';
import type { ClickTotals, LinkChangeListener, LinksPort } from './links.port.ts';
import { createLinksRepository } from './links.repository.ts';
import { linksRoutes } from './links.routes.ts';
import { createLinksService } from './links.service.ts';

export interface LinksPeer {
  links: LinksPort;
}

/** What links needs from its peers, in its own words. */
export interface LinksNeeds {
  auth: { authenticate: Authenticate };
  analytics: { queries: ClickTotals };
  /** Told of every change, and where short URLs are answered besides BASE_URL (for the loop guard). */
  redirector: { changes: LinkChangeListener; origins(): readonly string[] };
}

const ANY = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export const linksModule: ModuleDescriptor<LinksPeer, LinksNeeds, Readonly<ConfigSlice<'links'>>> = {
  name: 'links',
  defaultPort: 8001,
  migrations: linksMigrations,
  publicRoutes: ['/api/links', '/api/links/*'].map((url) => ({ methods: [...ANY], url })),
  stopOrder: 20,
  needs: ['auth', 'analytics', 'redirector'],

  async build(ctx, { auth, analytics, redirector }) {
    const { config } = ctx;
    const links = createLinksService({
      repository: createLinksRepository(ctx.database!),
      baseUrl: config.baseUrl,
      clickTotalsTimeoutMs: config.clickTotalsTimeoutMs,
      blocked: loadBlockedDomains(config),
      log: ctx.logger,
      // Asked at each check: the redirector may be built after links in the same process.
      listen: () => shortUrlOrigins(config, redirector.origins()),
      clicks: analytics.queries,
      changes: redirector.changes,
    });
    return {
      provides: { links },
      routes: (app) => void app.register(linksRoutes, { links, authenticate: auth.authenticate }),
      internalRoutes: (app, guard) =>
        void app.register(linksInternalRoutes, { links, guard, authenticate: createInternalAuthenticate(config.internalToken) }),
    };
  },

  connect(remote) {
    const http = remote.http('links');
    remote.ready({ links: () => http.call('GET', '/health') });
    return { links: createLinksClient(http) };
  },
};

/** Where short URLs are answered besides BASE_URL: this HOST:PORT, plus the redirectors' own URLs. */
export function shortUrlOrigins(config: Pick<Config, 'host' | 'port'>, redirectorUrls: readonly string[] = []) {
  const local = redirectorUrls
    .map((raw) => new URL(raw))
    .map((u) => ({ host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) }));
  return [{ host: config.host, port: config.port }, ...local];
}
