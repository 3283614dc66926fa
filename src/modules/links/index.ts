export { linksErrors } from './links.errors.ts';
export type {
  BulkResult,
  ClickTotals,
  CreateLinkInput,
  Link,
  LinkChangeListener,
  LinkPage,
  LinksPort,
  RedirectType,
  TargetRule,
  ResolvedLink,
  UpdateLinkInput,
} from './links.port.ts';
export { createLinksService } from './links.service.ts';
export { loadBlockedDomains } from './links.blocklist.ts';
export { createLinksRepository } from './links.repository.ts';
export { linksMigrations } from './links.migrations.ts';
export { linksRoutes } from './links.routes.ts';
export { createLinksClient } from './links.client.ts';
export { linksInternalRoutes } from './links.internal.ts';
export {
  CodeParams,
  CreateLinkBody,
  LinkPageSchema,
  LinkSchema,
  LinksCountSchema,
  ListQuery,
  QrQuery,
  RESOLVE_MANY_MAX,
  RedirectTypeSchema,
  ResolvedLinkSchema,
  UpdateLinkBody,
} from './links.schemas.ts';
export { linksModule, shortUrlOrigins, type LinksNeeds, type LinksPeer } from './links.module.ts';
