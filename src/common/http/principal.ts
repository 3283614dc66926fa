import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AppError } from '../errors.ts';
import type { Principal } from '../principal.ts';

/** The hook a route plugin adds to its scope so every route in it has a principal. */
export type Authenticate = onRequestAsyncHookHandler;

/** The principal of an authenticated route; its guard already ran. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHORIZED', 'Authentication required.');
  return request.principal;
}
