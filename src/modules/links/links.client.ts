import type { Static } from 'typebox';
import type { HttpClient } from '../../common/http/client.ts';
import { AppError } from '../../common/errors.ts';
import type { BulkResult, Link, LinkPage, LinksPort, ResolvedLink } from './links.port.ts';
import type { LinksCountSchema } from './links.schemas.ts';

/** LinksPort over HTTP: the owner-scoped calls go to the public routes mounted under /internal. */
export function createLinksClient(http: HttpClient): LinksPort {
  const path = (code: string) => `/internal/api/links/${encodeURIComponent(code)}`;
  return {
    create: (principal, input) => http.call<Link>('POST', '/internal/api/links', { principal, body: input }),
    createMany: (principal, items) => http.call<BulkResult>('POST', '/internal/api/links/bulk', { principal, body: { links: items } }),
    list: (principal, { limit, cursor, q, tag }) =>
      http.call<LinkPage>('GET', '/internal/api/links', { principal, query: { limit, cursor, q, tag } }),
    get: (principal, code) => http.call<Link>('GET', path(code), { principal }),
    owned: (principal, code) => http.call<{ id: string; code: string }>('GET', `/internal/owned-links/${encodeURIComponent(code)}`, { principal }),
    update: (principal, code, patch) => http.call<Link>('PATCH', path(code), { principal, body: patch }),
    remove: (principal, code) => http.call<void>('DELETE', path(code), { principal }),
    async resolve(code) {
      try {
        return await http.call<ResolvedLink>('GET', `/internal/links/${encodeURIComponent(code)}`);
      } catch (error) {
        if (error instanceof AppError && error.status === 404) return null;
        throw error;
      }
    },
    count: async (principal) => (await http.call<Static<typeof LinksCountSchema>>('GET', '/internal/links-count', { principal })).count,
  };
}
