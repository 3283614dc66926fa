import type { Static } from 'typebox';
import type { Logger } from '../../common/logger.ts';
import type { HttpClient } from '../../common/http/client.ts';
import type { LinkChangeListener } from '../links/index.ts';
import type { InvalidateBody } from './redirector.schemas.ts';

/**
 * Tells every redirector replica that a link changed, over HTTP, and waits (bounded by the
 * clients' timeout) so the writer can read its own write. A replica that does not answer
 * keeps a stale entry for at most CACHE_TTL_MS.
 */
export function createCacheInvalidationClient(redirectors: () => readonly HttpClient[], logger: Logger): LinkChangeListener {
  return {
    async linkChanged(code) {
      const body: Static<typeof InvalidateBody> = { code };
      const results = await Promise.allSettled(
        redirectors().map((r) => r.call('POST', '/internal/cache/invalidate', { body })),
      );
      const failed = results.filter((r) => r.status === 'rejected').length;
      if (failed > 0) logger.warn({ code, failed }, 'some redirectors were not told of a link change; their TTL bounds it');
    },
  };
}
