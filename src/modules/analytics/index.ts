export type {
  AnalyticsQueries,
  ClickEvent,
  ClickIngestion,
  ClickTransport,
  IngestResult,
  LinkLookup,
  LinkRef,
  LinkStats,
  StatsRange,
  UserStats,
} from './analytics.port.ts';
export { createAnalyticsQueries, createClickIngestion, createIngest } from './analytics.service.ts';
export { createAnalyticsRepository } from './analytics.repository.ts';
export { createClickWriter, type ClickWriter } from './analytics.writer.ts';
export { analyticsMigrations } from './analytics.migrations.ts';
export { analyticsRoutes, eventsRoutes } from './analytics.routes.ts';
export { createAnalyticsClient, createEventsTransport } from './analytics.client.ts';
export { createClickSender } from './analytics.sender.ts';
export { createSpool } from './analytics.spool.ts';
export { decodeClickFrame, decodeClickFrames, encodeClickFrame, type FrameClick } from './analytics.click-frame.ts';
export { analyticsInternalRoutes } from './analytics.internal.ts';
export { createWriterSpool } from './analytics.writer-spool.ts';
export { DIMENSIONS, type Dimension } from './analytics.dimensions.ts';
// The shapes on the wire, for the contract suite and web/.
export {
  ClickEventSchema,
  EventsBody,
  EventsReply,
  LinkStatsSchema,
  StatsQuery,
  StatsRangeSchema,
  UserStatsSchema,
} from './analytics.schemas.ts';
export { analyticsModule, type AnalyticsNeeds, type AnalyticsPeer } from './analytics.module.ts';
// The clicks export, for the routes and `morphlink export clicks`.
export { createClickExport, type ClickExport, type ExportedClick } from './analytics.export.ts';
export { createExportRepository } from './analytics.export.repository.ts';
export { exportChunks, type ExportFormat } from './analytics.export.format.ts';
