import type { Config } from '../common/config.ts';
import { createDatabases, migrate, type Database, type ModuleMigrations } from '../common/db.ts';
import { createLogger, type Logger } from '../common/logger.ts';
import { createMetrics, type Metrics } from '../common/metrics.ts';
import { createHttpServer, type App, type HttpServerOptions } from '../common/http/server.ts';
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
  openModuleDatabase(module: 'auth' | 'links' | 'analytics', migrations: ModuleMigrations): Promise<Database>;
  /** Seeds visitor hashes: VISITOR_SECRET, or the one kept in DATA_DIR, so replicas and restarts agree. */
  visitorSecret: string;
}

export function createContext(config: Readonly<Config>, service: string): Context {
  const databases = createDatabases();
  let visitorSecret: string | undefined;
  return {
    config,
    service,
    logger: createLogger(config.logLevel, service),
    metrics: createMetrics(service),
    databases,
    async openModuleDatabase(module, migrations) {
      const database = databases.open(config.moduleDatabaseUrls[module]);
      await migrate(database, module, migrations);
      return database;
    },
    // Read on first use: only processes that serve redirects need it (and touch DATA_DIR for it).
    get visitorSecret() {
      visitorSecret ??= config.visitorSecret ?? loadVisitorSecret(config.dataDir);
      return visitorSecret;
    },
  };
}

/** This process's HTTP server: what every entrypoint shares comes from the context. */
export function createServerFor(
  ctx: Context,
  options: Pick<HttpServerOptions, 'ready' | 'docs' | 'fastPath' | 'health'>,
): App {
  return createHttpServer({
    service: ctx.service,
    mode: ctx.config.mode,
    version,
    logger: ctx.logger,
    metrics: ctx.metrics,
    bodyLimitBytes: ctx.config.bodyLimitBytes,
    trustProxy: ctx.config.trustProxy,
    ...options,
  });
}
