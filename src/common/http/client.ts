import { createRequire } from 'node:module';
import type { Pool as UndiciPool } from 'undici';
import { AppError, fromProblem } from '../errors.ts';
import type { Principal } from '../principal.ts';

export interface HttpClientOptions {
  /** Sent as `Authorization: Bearer …` on every call (the INTERNAL_TOKEN). */
  token: string | null;
  timeoutMs?: number;
  connections?: number;
}

export interface CallOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as they are, instead of a JSON body: bytes in a format of their own (click frames). */
  bytes?: { contentType: string; data: Uint8Array };
  /** Who the call is made for; internal routes read it instead of an API key. */
  principal?: Principal;
  query?: Record<string, string | number | undefined>;
}

export interface HttpClient {
  /** JSON (or bytes) in, JSON out. A problem+json answer is thrown as the same AppError the service threw. */
  call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', path: string, options?: CallOptions): Promise<T>;
  close(): Promise<void>;
}

export const PRINCIPAL_HEADER = 'x-morphlink-principal';

export function encodePrincipal(principal: Principal): string {
  return Buffer.from(JSON.stringify(principal)).toString('base64url');
}

function pathWithQuery(path: string, query: CallOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

// Loaded on first use: the monolith builds no HTTP clients and never pays for undici.
const requireOnDemand = createRequire(import.meta.url);

/** A keep-alive pool to one peer service, speaking its internal routes. */
export function createHttpClient(baseUrl: string, { token, timeoutMs = 5_000, connections = 64 }: HttpClientOptions): HttpClient {
  const { Pool } = requireOnDemand('undici') as typeof import('undici');
  const pool: UndiciPool = new Pool(baseUrl, { connections, keepAliveTimeout: 30_000, pipelining: 1 });
  return {
    async call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      if (options.principal) headers[PRINCIPAL_HEADER] = encodePrincipal(options.principal);
      let body: string | Uint8Array | undefined;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] = 'application/json';
      } else if (options.bytes) {
        body = options.bytes.data;
        headers['content-type'] = options.bytes.contentType;
      }
      let status: number;
      let parsed: unknown;
      // Any transport failure (refused, timed out, cut mid-body, not JSON) is the peer being unavailable.
      try {
        const response = await pool.request({
          method: method as 'GET',
          path: pathWithQuery(path, options.query),
          headers,
          body,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        status = response.statusCode;
        const text = await response.body.text();
        parsed = text ? JSON.parse(text) : undefined;
      } catch (error) {
        throw new AppError('UNAVAILABLE', `${baseUrl} did not answer: ${(error as Error).message}`);
      }
      if (status >= 400) throw fromProblem(parsed, status);
      return parsed as T;
    },
    close: () => pool.close(),
  };
}
