import { timingSafeEqual } from 'node:crypto';
import type { onRequestAsyncHookHandler } from 'fastify';
import { AppError } from '../errors.ts';
import type { Principal } from '../principal.ts';
import { PRINCIPAL_HEADER } from './client.ts';

/**
 * Guards /internal/* and POST /events: `Authorization: Bearer <INTERNAL_TOKEN>`, compared in
 * constant time. With no token configured nothing gets in.
 */
export function createInternalGuard(token: string | null): onRequestAsyncHookHandler {
  const expected = token ? Buffer.from(token) : null;
  return async (request) => {
    const header = request.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    if (!expected || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AppError('UNAUTHORIZED', 'This route is internal: it needs the INTERNAL_TOKEN.');
    }
  };
}

/**
 * For a module's public routes mounted again under /internal: the caller is a peer service
 * (token checked) acting for the principal it names in a header.
 */
export function createInternalAuthenticate(token: string | null): onRequestAsyncHookHandler {
  const guard = createInternalGuard(token);
  return async function authenticateInternal(this: unknown, request, reply) {
    await guard.call(this as never, request, reply);
    const header = request.headers[PRINCIPAL_HEADER];
    if (typeof header !== 'string') throw new AppError('UNAUTHORIZED', 'An internal call must name its principal.');
    try {
      request.principal = JSON.parse(Buffer.from(header, 'base64url').toString()) as Principal;
    } catch {
      throw new AppError('UNAUTHORIZED', 'The principal header is malformed.');
    }
  };
}
