import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInternalGuard } from '../../common/http/internal.ts';
import type { Authenticate } from '../../common/http/principal.ts';
import type { ConfigSlice } from '../../common/config.ts';
import type { ModuleContext, ModuleDescriptor, RemoteContext } from '../../common/module.ts';
import { createAnalyticsClient, createEventsTransport } from './analytics.client.ts';
import { analyticsInternalRoutes } from './analytics.internal.ts';
import { analyticsMigrations } from './analytics.migrations.ts';
import type { AnalyticsQueries, ClickIngestion, LinkLookup } from './analytics.port.ts';
import { createAnalyticsRepository } from './analytics.repository.ts';
import { ROLLUP_MAX_KEYS_OFF_REDIRECT_THREAD } from './analytics.rollup-window.ts';
import { analyticsRoutes, eventsRoutes } from './analytics.routes.ts';
import { createClickExport } from './analytics.export.ts';
import { createExportRepository } from './analytics.export.repository.ts';
import { EXPORT_ROUTES, exportRoutes } from './analytics.export.routes.ts';
import { createClickSender, type ClickSender } from './analytics.sender.ts';
import { createAnalyticsQueries, createClickIngestion } from './analytics.service.ts';
import { createSpool } from './analytics.spool.ts';
import { createClickWriter, type ClickWriter } from './analytics.writer.ts';
import { createWriterSpool } from './analytics.writer-spool.ts';
import { startWriterThread } from './analytics.writer-thread.ts';
import { startWebhooks } from './analytics.webhooks.wiring.ts';

export interface AnalyticsPeer {
  queries: AnalyticsQueries;
  /**
   * Where a process records the clicks it answers: the buffered writer when analytics is in the
   * same process, the batching sender otherwise. Made on first use, so a process that records no
   * clicks holds none. `flush` resolves once what was recorded is stored (or spooled by the writer).
   * The writer thread and the sender also take a turn as the journal's frame (`recordFrame`); the
   * sender lets clicks go while analytics does not answer and says so (`lost`, `reach`,
   * `storeId`): the click journal keeps them.
   */
  readonly sink: Pick<ClickWriter, 'record' | 'flush'> & Partial<Pick<ClickSender, 'recordFrame' | 'lost' | 'reach' | 'storeId'>>;
}

export interface AnalyticsNeeds {
  auth: { authenticate: Authenticate };
  links: { links: LinkLookup };
}

type AnalyticsSettings = Readonly<ConfigSlice<'analytics'>>;

export const analyticsModule: ModuleDescriptor<AnalyticsPeer, AnalyticsNeeds, AnalyticsSettings> = {
  name: 'analytics',
  defaultPort: 8003,
  migrations: analyticsMigrations,
  publicRoutes: [
    { methods: ['GET'], url: '/api/links/:code/stats' },
    { methods: ['GET'], url: '/api/stats' },
    { methods: ['GET'], url: '/stats' },
    // Webhooks live where ingestion does: each stored batch queues their deliveries.
    { methods: ['GET', 'POST'], url: '/api/webhooks' },
    { methods: ['GET', 'DELETE'], url: '/api/webhooks/*' },
    ...EXPORT_ROUTES,
  ],
  stopOrder: 30,
  needs: ['auth', 'links'],

  async build(ctx, { auth, links }) {
    // In its own process analytics stores POST /events on a thread that serves no redirect; in the
    // monolith this repository is also the inline writer's, on the redirect thread.
    const rollupMaxKeys = ctx.service === 'monolith' ? undefined : ROLLUP_MAX_KEYS_OFF_REDIRECT_THREAD;
    const repository = createAnalyticsRepository(ctx.database!, { rollupWindowMs: ctx.config.rollupWindowMs, logger: ctx.logger, ...(rollupMaxKeys && { rollupMaxKeys }) });
    const queries = createAnalyticsQueries({ repository });
    const webhooks = startWebhooks({ database: ctx.database!, logger: ctx.logger, config: ctx.config.webhooks, authenticate: auth.authenticate });
    const ingestion = createClickIngestion(repository, webhooks.onStored);
    const databaseId = await ingestion.databaseId();
    let writer: ClickWriter | undefined;
    return {
      provides: {
        queries,
        get sink() {
          return (writer ??= createWriter(ctx, ingestion, databaseId, repository.foldRollups));
        },
      },
      routes(app) {
        app.register(analyticsRoutes, { queries, links: links.links, authenticate: auth.authenticate });
        webhooks.routes(app);
        app.register(exportRoutes, { exports: createClickExport({ repository: createExportRepository(ctx.database!) }), links: links.links, authenticate: auth.authenticate });
        // Served wherever analytics runs; the gateway never routes it (it is not a public route).
        app.register(eventsRoutes, { ingestion, guard: createInternalGuard(ctx.config.internalToken) });
      },
      internalRoutes: (app, guard) => void app.register(analyticsInternalRoutes, { queries, ingestion, guard }),
      // Every click recorded so far in the stats: the writer's (on its thread, if there), then what POST /events stored.
      flush: async () => {
        await writer?.settle();
        await repository.foldRollups();
      },
      // The writer first: its last batch queues deliveries the next start sends.
      close: async () => {
        await writer?.close();
        await repository.closeRollups();
        await webhooks.close();
      },
    };
  },

  connect(remote) {
    let sender: ClickSender | undefined;
    return {
      queries: createAnalyticsClient(remote.http('analytics')),
      get sink() {
        return (sender ??= createSender(remote));
      },
    };
  },
};

/**
 * The in-process sink: what the database will not take waits on disk, tagged with its id. On the
 * redirect thread (CLICK_WRITER=inline), or on a worker thread with its own connection (thread;
 * `auto` picks it with two CPUs or more: on the 2-CPU bench machine it measured as fast on one hot
 * link and faster on 10,000 links, with a far shorter event-loop delay, than inline).
 */
function createWriter(ctx: ModuleContext<AnalyticsSettings>, { ingest }: ClickIngestion, databaseId: string, foldRollups: () => Promise<void>): ClickWriter {
  const { registry } = ctx.metrics;
  const { clickFlushMs: flushMs, clickBatchMax: batchMax, clickWriter, dataDir, rollupWindowMs } = ctx.config;
  const spoolDir = join(dataDir, 'spool', ctx.service);
  const onThread = clickWriter === 'thread' || (clickWriter === 'auto' && availableParallelism() > 1);
  if (onThread) {
    const { dbStatementTimeoutMs: statementTimeoutMs, dbConnectTimeoutMs: connectTimeoutMs, sqliteBusyTimeoutMs, clickWriterNice: nice } = ctx.config;
    const data = {
      nice,
      databaseUrl: ctx.database!.url,
      databaseOptions: { statementTimeoutMs, connectTimeoutMs, sqliteBusyTimeoutMs },
      spoolDir,
      flushMs,
      batchMax,
      rollupWindowMs,
      logLevel: ctx.logger.level,
      service: ctx.service,
    };
    ctx.logger.info('click writer on a worker thread');
    return startWriterThread(data, { registry, logger: ctx.logger });
  }
  const spool = createWriterSpool({ spool: createSpool(spoolDir), databaseId, ingest, registry, logger: ctx.logger });
  return createClickWriter({ ingest, foldRollups, flushMs, batchMax, registry, logger: ctx.logger, spool });
}

/** The remote sink: one send per batch with a short deadline, then the click journal keeps it (see analytics.sender.ts). */
function createSender({ config, logger, metrics, http, onClose, service, port }: RemoteContext): ClickSender {
  const sender = createClickSender({
    // Its own pool with the send deadline: one send, then the batch is let go (the journal has it), so a hung analytics holds no clicks in memory.
    transport: createEventsTransport(http('analytics', { timeoutMs: config.clickSendTimeoutMs })),
    // The quarantine and an earlier version's spool, one per process (by port), so replicas never share a file.
    spool: createSpool(config.spoolDir ?? join(config.dataDir, 'spool', `${service}-${port}`)),
    flushMs: config.clickFlushMs,
    sendTimeoutMs: config.clickSendTimeoutMs,
    // Frames: up to CLICK_BATCH_MAX clicks and the body limit analytics reads from the same setting.
    batchMax: config.clickBatchMax,
    bodyBytesMax: config.bodyLimitBytes,
    registry: metrics.registry,
    logger,
  });
  onClose(() => sender.close());
  return sender;
}
