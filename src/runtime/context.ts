import type { Config } from '../common/config.ts';
import { isMissingDatabase, MissingDatabaseError } from '../common/database-url.ts';
import { createDatabases, migrate, type Database, type ModuleMigrations } from '../common/db.ts';
import { createLogger, type Logger } from '../common/logger.ts';
import { createMetrics, type Metrics } from '../common/metrics.ts';
import { createHttpServer, type App, type HttpServerOptions } from '../common/http/server.ts';
import type { RateLimitOptions } from '../common/http/rate-limit.ts';
import { version } from '../common/version.ts';
import { loadVisitorSecret } from './visitor-secret.ts';

/** What every process has: its config, logger, metrics registry and database connections. */
export interface Context {
  config: Readonly<Config>;
  service: string;
  logger: Logger;
  metrics: Metrics;
  databases: ReturnType<typeof createDatabases>;
  /** Opens a module's database (shared per URL) and brings its tables up to date. */
  openModuleDatabase(module: string, migrations: ModuleMigrations): Promise<Database>;
  /** Seeds visitor hashes: VISITOR_SECRET, or the one kept in DATA_DIR, so replicas and restarts agree. */
  visitorSecret: string;
}

export function createContext(config: Readonly<Config>, service: string): Context {
  const databases = createDatabases({
    statementTimeoutMs: config.dbStatementTimeoutMs,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    sqliteBusyTimeoutMs: config.sqliteBusyTimeoutMs,
  });
  let visitorSecret: string | undefined;
  return {
    config,
    service,
    logger: createLogger(config.logLevel, service),
    metrics: createMetrics(service),
    databases,
    async openModuleDatabase(module, migrations) {
      // <MODULE>_DATABASE_URL, else DATABASE_URL (a module without a row of its own shares it).
      const url = new Map<string, string>(Object.entries(config.moduleDatabaseUrls)).get(module) ?? config.databaseUrl;
      const database = databases.open(url);
      try {
        await migrate(database, module, migrations);
      } catch (error) {
        // The first query is where a missing database shows: name it and say how to create it.
        if (isMissingDatabase(error)) throw new MissingDatabaseError(url);
        throw error;
      }
      return database;
    },
    // Read on first use: only processes that serve redirects need it (and touch DATA_DIR for it).
    get visitorSecret() {
      visitorSecret ??= config.visitorSecret ?? loadVisitorSecret(config.dataDir);
      return visitorSecret;
    },
  };
}

/** The limits this process enforces on the routes it owns, counted in Redis when a fleet shares one. */
export const rateLimitsOf = (ctx: Context): RateLimitOptions => ({
  limits: ctx.config.rateLimits,
  redisUrl: ctx.config.redisUrl,
  fleetSecret: ctx.config.internalToken,
  logger: ctx.logger,
});

/** This process's HTTP server: what every entrypoint shares comes from the context. */
export function createServerFor(
  ctx: Context,
  options: Pick<HttpServerOptions, 'ready' | 'degraded' | 'docs' | 'fastPath' | 'health'>,
): App {
  return createHttpServer({
    service: ctx.service,
    mode: ctx.config.mode,
    version,
    logger: ctx.logger,
    metrics: ctx.metrics,
    bodyLimitBytes: ctx.config.bodyLimitBytes,
    trustProxy: ctx.config.trustProxy,
    readyTimeoutMs: ctx.config.readyTimeoutMs,
    instance: ctx.config.instanceId,
    ...options,
  });
}
