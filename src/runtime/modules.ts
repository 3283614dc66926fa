import { join } from 'node:path';
import {
  analyticsMigrations,
  createAnalyticsQueries,
  createAnalyticsRepository,
  createClickIngestion,
  createClickWriter,
  createSpool,
  createWriterSpool,
} from '../modules/analytics/index.ts';
import { authMigrations, createAuthRepository, createAuthService } from '../modules/auth/index.ts';
import { createLinksRepository, createLinksService, linksMigrations, type ClickTotals, type LinkChangeListener } from '../modules/links/index.ts';
import {
  createClickQuota,
  createFastPath,
  createRedirectCounter,
  createRedirector,
  createVisitorHasher,
  type ClickCounts,
  type ClickSink,
  type LinkCache,
} from '../modules/redirector/index.ts';
import type { ClickIngestion } from '../modules/analytics/index.ts';
import type { Context } from './context.ts';

// Builders shared by the monolith and the one-service entrypoints: each module's own service,
// on its own database. Only their peers differ between the two wirings.

export async function buildAuth(ctx: Context) {
  const database = await ctx.openModuleDatabase('auth', authMigrations);
  const auth = createAuthService({
    repository: createAuthRepository(database),
    trustedUserNames: ctx.config.authMode === 'header' ? ctx.config.users : [],
  });
  if (ctx.config.authMode === 'header') {
    // Loud on purpose: on stderr whatever LOG_LEVEL says, since anyone who can reach the port is any user.
    const warning =
      `AUTH_MODE=header: X-User and ?user= are trusted WITHOUT a key for ${ctx.config.users.join(', ')}. ` +
      'Anyone who can reach this port can act as them. User and key management is disabled. Use it only for demos.';
    ctx.logger.warn({ users: ctx.config.users }, warning);
    process.stderr.write(`\n!!! WARNING !!! ${warning}\n\n`);
    await auth.ensureUsers(ctx.config.users);
  } else if ((await auth.countUsers()) === 0) {
    ctx.logger.warn('No users yet. Create one and get its API key with: npx morphlink user create <name> --admin');
  }
  return { auth, database };
}

export async function buildAnalytics(ctx: Context) {
  const database = await ctx.openModuleDatabase('analytics', analyticsMigrations);
  const repository = createAnalyticsRepository(database);
  return { queries: createAnalyticsQueries({ repository }), ingestion: createClickIngestion(repository), database };
}

/** The click sink of a process that stores its own clicks (the monolith): a buffered writer. */
export async function buildClickWriter(ctx: Context, { ingest, databaseId }: ClickIngestion) {
  const { registry } = ctx.metrics;
  // What the database will not take waits on disk, tagged with this database's id.
  const spool = createWriterSpool({
    spool: createSpool(join(ctx.config.dataDir, 'spool', ctx.service)),
    databaseId: await databaseId(),
    ingest,
    registry,
    logger: ctx.logger,
  });
  const writer = createClickWriter({
    ingest,
    flushMs: ctx.config.clickFlushMs,
    batchMax: ctx.config.clickBatchMax,
    registry,
    logger: ctx.logger,
    spool,
  });
  return writer;
}

/** Where short URLs are answered besides BASE_URL: this HOST:PORT, plus any redirector URLs (microservices). */
export function shortUrlOrigins(config: Context['config'], redirectorUrls: readonly string[] = []) {
  const local = redirectorUrls.map((raw) => new URL(raw)).map((u) => ({ host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) }));
  return [{ host: config.host, port: config.port }, ...local];
}

export async function buildLinks(
  ctx: Context,
  deps: { clicks: ClickTotals; changes: LinkChangeListener; listen?: ReturnType<typeof shortUrlOrigins> },
) {
  const database = await ctx.openModuleDatabase('links', linksMigrations);
  const links = createLinksService({
    repository: createLinksRepository(database),
    baseUrl: ctx.config.baseUrl,
    clickTotalsTimeoutMs: ctx.config.clickTotalsTimeoutMs,
    listen: shortUrlOrigins(ctx.config),
    ...deps,
  });
  return { links, database };
}

/** The redirector, its redirect counter, and the framework-free fast path over both. */
export function buildRedirector(ctx: Context, deps: { links: LinkCache; clicks: ClickSink; counts: ClickCounts }) {
  const redirector = createRedirector({
    links: deps.links,
    clicks: deps.clicks,
    quota: createClickQuota(deps.counts),
    visitorId: createVisitorHasher(ctx.visitorSecret),
  });
  const countRedirect = createRedirectCounter(ctx.metrics.registry);
  const durations = new Map<number, { observe(seconds: number): void }>();
  const fastPath = createFastPath(redirector, {
    trustProxy: ctx.config.trustProxy,
    onAnswer(status, seconds) {
      countRedirect(status);
      let duration = durations.get(status);
      if (!duration) durations.set(status, (duration = ctx.metrics.httpDuration.labels('GET', '/:code', String(status))));
      duration.observe(seconds);
    },
  });
  return { redirector, countRedirect, fastPath };
}
