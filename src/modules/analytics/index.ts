export type { AnalyticsPort, ClickEvent, ClickSink, IngestResult, LinkLookup, LinkStats, UserStats } from './analytics.port.ts';
export { createAnalyticsService, createIngest } from './analytics.service.ts';
export { createAnalyticsRepository } from './analytics.repository.ts';
export { createClickWriter, type ClickWriter } from './analytics.writer.ts';
export { analyticsMigrations } from './analytics.migrations.ts';
export { analyticsRoutes, eventsRoutes } from './analytics.routes.ts';
