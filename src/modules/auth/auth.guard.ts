import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AppError } from '../../common/errors.ts';
import type { AuthMode } from '../../common/config.ts';
import type { AuthPort, Credential } from './auth.port.ts';
import { CSRF_HEADER, SESSION_COOKIE, csrfTokenMatches } from './auth.sessions.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The dashboard's session id, when the request carries the cookie. */
export function sessionOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  return header?.includes(SESSION_COOKIE) ? request.server.parseCookie(header)[SESSION_COOKIE] : undefined;
}

/** A key or a header-mode name comes first: only a browser sends the cookie, and only a cookie needs CSRF care. */
function credentialOf(request: FastifyRequest, mode: AuthMode): Credential | null {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return { apiKey: authorization.slice(7).trim() };
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string') return { apiKey };
  if (mode === 'header') {
    const userName = request.headers['x-user'] ?? (request.query as Record<string, unknown> | undefined)?.user;
    if (typeof userName === 'string') return { userName };
  }
  const session = sessionOf(request);
  if (session === undefined) return null;
  if (!SAFE_METHODS.has(request.method) && !csrfTokenMatches(session, headerValue(request, CSRF_HEADER))) {
    throw new AppError('FORBIDDEN', `A signed-in browser must send the ${CSRF_HEADER} header its session was given (GET /api/auth/session).`);
  }
  return { session };
}

const headerValue = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
};

/** An onRequest hook that sets request.principal or answers 401. Register it in a route plugin's scope. */
export function createAuthenticate(auth: AuthPort, mode: AuthMode): onRequestAsyncHookHandler {
  return async (request) => {
    const credential = credentialOf(request, mode);
    if (!credential) {
      const how = mode === 'header' ? 'an API key, X-User or ?user=' : 'Authorization: Bearer <api key> or X-API-Key, or sign in (POST /api/auth/login)';
      throw new AppError('UNAUTHORIZED', `Authentication required: send ${how}.`);
    }
    const principal = await auth.verify(credential);
    if (!principal) throw new AppError('UNAUTHORIZED', 'The credential is unknown or revoked.');
    request.principal = principal;
  };
}
