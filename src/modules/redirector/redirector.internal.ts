import { Type } from 'typebox';
import type { App } from '../../common/http/server.ts';
import type { Authenticate } from '../../common/http/principal.ts';
import type { LinkCache } from './redirector.port.ts';

/** POST /internal/cache/invalidate: the links service says a code changed. Token only. */
export async function redirectorInternalRoutes(app: App, { cache, guard }: { cache: LinkCache; guard: Authenticate }) {
  app.addHook('onRequest', guard);
  app.post(
    '/internal/cache/invalidate',
    { schema: { hide: true, body: Type.Object({ code: Type.String({ maxLength: 64 }) }) } },
    async (request, reply) => {
      cache.invalidate(request.body.code);
      return reply.code(204).send();
    },
  );
}
