import type { App } from '../../common/http/server.ts';
import type { Authenticate } from '../../common/http/principal.ts';
import type { LinkCache } from './redirector.port.ts';
import { InvalidateBody } from './redirector.schemas.ts';

/** POST /internal/cache/invalidate: the links service says a code changed. Token only. */
export async function redirectorInternalRoutes(app: App, { cache, guard }: { cache: LinkCache; guard: Authenticate }) {
  app.addHook('onRequest', guard);
  app.post(
    '/internal/cache/invalidate',
    { schema: { hide: true, body: InvalidateBody } },
    async (request, reply) => {
      cache.invalidate(request.body.code);
      return reply.code(204).send();
    },
  );
}
