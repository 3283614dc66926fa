export type { ClickCounts, LinkCache, LinkResolver } from './redirector.port.ts';
export { withLinkCache } from './redirector.cache.ts';
export { createClickQuota } from './redirector.quota.ts';
export { createVisitorHasher } from './redirector.visitor.ts';
export { createRedirector, type Redirector } from './redirector.service.ts';
export { redirectorRoutes } from './redirector.routes.ts';
export { redirectorInternalRoutes } from './redirector.internal.ts';
export { createCacheInvalidationClient } from './redirector.client.ts';
export { createRedisPublisher, subscribeToLinkChanges } from './redirector.redis.ts';
