import { timingSafeEqual } from 'node:crypto';
import type { onRequestAsyncHookHandler } from 'fastify';
import { AppError } from '../errors.ts';

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
