import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AppError } from '../../common/errors.ts';
import type { AuthMode } from '../../common/config.ts';
import type { AuthPort, Credential } from './auth.port.ts';

function credentialOf(request: FastifyRequest, mode: AuthMode): Credential | null {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return { apiKey: authorization.slice(7).trim() };
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string') return { apiKey };
  if (mode !== 'header') return null;
  const userName = request.headers['x-user'] ?? (request.query as Record<string, unknown> | undefined)?.user;
  return typeof userName === 'string' ? { userName } : null;
}

/** An onRequest hook that sets request.principal or answers 401. Register it in a route plugin's scope. */
export function createAuthenticate(auth: AuthPort, mode: AuthMode): onRequestAsyncHookHandler {
  return async (request) => {
    const credential = credentialOf(request, mode);
    if (!credential) {
      const how = mode === 'header' ? 'an API key, X-User or ?user=' : 'Authorization: Bearer <api key> or X-API-Key';
      throw new AppError('UNAUTHORIZED', `Authentication required: send ${how}.`);
    }
    const principal = await auth.verify(credential);
    if (!principal) throw new AppError('UNAUTHORIZED', 'The credential is unknown or revoked.');
    request.principal = principal;
  };
}
