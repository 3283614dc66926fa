import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, toProblem } from '../errors.ts';

export const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

/**
 * Requests Node's parser refuses before Fastify sees them (a bad request line, headers past
 * the size limit, a slow client): answered as problem+json on the raw socket, then closed.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const appError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new AppError('HEADERS_TOO_LARGE', 'The request line or headers are larger than the limit.')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new AppError('REQUEST_TIMEOUT', 'The request took too long to arrive.')
        : new AppError('VALIDATION', 'The request is not valid HTTP.');
  const body = JSON.stringify(toProblem(appError));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status]}\r\nContent-Type: ${PROBLEM_JSON}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Fastify's router errors (bad percent-encoding, a parameter past maxParamLength) as problem+json. */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const appError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new AppError('URI_TOO_LONG', 'A part of the path is longer than any this server accepts.')
      : new AppError('VALIDATION', 'The path is not valid percent-encoded UTF-8.');
  void reply.code(appError.status).type(PROBLEM_JSON).send(toProblem(appError));
}

/**
 * An absolute-form request line (`GET http://host/path HTTP/1.1`) is answered as its path:
 * the authority in it never chooses where a request goes (RFC 9112 §3.2.2).
 */
export function originForm(url: string): string {
  if (url.startsWith('/')) return url;
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^#]*)/i.exec(url);
  if (!match) return url;
  const rest = match[1] ?? '';
  return rest.startsWith('/') ? rest : `/${rest}`;
}
