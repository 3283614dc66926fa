import type { onRequestAsyncHookHandler } from 'fastify';
import { request as httpRequest } from 'undici';
import { AppError } from '../common/errors.ts';
import { createInternalGuard } from '../common/http/internal.ts';

/**
 * GET /api/autopilot is for admins: the fleet's INTERNAL_TOKEN, an admin's API key or dashboard session. The
 * autopilot keeps no users, so a key is checked where users live, through the public API it
 * watches (`GET /api/users/me` on the monolith or the gateway), which works in either mode.
 */
export function createAdminGuard(token: string | null, apiBase: string): onRequestAsyncHookHandler {
  const internal = createInternalGuard(token);
  return async function guardAdmin(this: unknown, request, reply) {
    if (await internal.call(this as never, request, reply).then(() => true, () => false)) return;
    const headers: Record<string, string> = {};
    // A signed-in dashboard sends its session cookie: a GET, so no CSRF token is needed to check it.
    for (const name of ['authorization', 'x-api-key', 'cookie'] as const) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    if (Object.keys(headers).length === 0) throw new AppError('UNAUTHORIZED', 'Send the INTERNAL_TOKEN or an admin API key, or sign in as an admin.');
    const me = await httpRequest(`${apiBase}/api/users/me`, { headers, headersTimeout: 2_000, bodyTimeout: 2_000 }).catch(() => null);
    if (!me) throw new AppError('UNAVAILABLE', `The API at ${apiBase} did not answer to check the key.`);
    const body = (await me.body.json().catch(() => null)) as { isAdmin?: unknown } | null;
    if (me.statusCode !== 200) throw new AppError('UNAUTHORIZED', 'The key is not valid.');
    if (body?.isAdmin !== true) throw new AppError('FORBIDDEN', 'The autopilot is for admins.');
  };
}
