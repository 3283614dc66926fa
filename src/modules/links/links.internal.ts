import { AppError } from '../../common/errors.ts';
import type { App } from '../../common/http/server.ts';
import { principalOf, type Authenticate } from '../../common/http/principal.ts';
import type { LinksPort } from './links.port.ts';
import { linksRoutes } from './links.routes.ts';
import { CodeParams, LinksCountSchema, OwnedLinkSchema, ResolveManyBody, ResolveManySchema, ResolvedLinkSchema } from './links.schemas.ts';

/**
 * The links port for peer services: resolve and count, plus the public routes mounted again
 * under /internal, where the caller is a peer acting for a principal (see createInternalAuthenticate).
 */
export async function linksInternalRoutes(
  app: App,
  { links, guard, authenticate }: { links: LinksPort; guard: Authenticate; authenticate: Authenticate },
) {
  app.register(linksRoutes, { links, authenticate, prefix: '/internal' });
  app.register(async (scope: App) => {
    scope.addHook('onRequest', guard);
    scope.get('/internal/links/:code', { schema: { hide: true, params: CodeParams, response: { 200: ResolvedLinkSchema } } }, async (request) => {
      const link = await links.resolve(request.params.code);
      if (!link) throw new AppError('LINK_NOT_FOUND', `No link with code ${request.params.code}.`);
      return link;
    });
    // A redirector's cache misses of one turn in one call and one query (links.client.ts): a cold
    // cache, after a restart or a replica added, asks once per turn instead of once per code.
    scope.post('/internal/links/resolve', { schema: { hide: true, body: ResolveManyBody, response: { 200: ResolveManySchema } } }, async (request) => ({
      links: (await links.resolveMany(request.body.codes)).filter((link) => link !== null),
    }));
  });
  app.register(async (scope: App) => {
    scope.addHook('onRequest', authenticate);
    scope.get('/internal/links-count', { schema: { hide: true, response: { 200: LinksCountSchema } } }, async (request) => ({ count: await links.count(principalOf(request)) }));
    // The stats route's ownership check: {id, code} only, so links does not ask analytics for a click total.
    scope.get(
      '/internal/owned-links/:code',
      { schema: { hide: true, params: CodeParams, response: { 200: OwnedLinkSchema } } },
      async (request) => links.owned(principalOf(request), request.params.code),
    );
  });
}
