import type { IncomingHttpHeaders } from 'node:http';

/**
 * What an upstream hears from the gateway: the client's address, and the country headers only
 * when the gateway's own peer is a proxy TRUST_PROXY trusts. The upstream trusts the gateway
 * (loopback), so whatever the gateway passes on would be believed.
 */
export function forwardedHeaders(headers: IncomingHttpHeaders, ip: string, trusted: boolean): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers, 'x-forwarded-for': ip };
  if (!trusted) {
    delete out['cf-ipcountry'];
    delete out['x-country'];
  }
  return out;
}

/**
 * The client's request headers as @fastify/reply-from passes them on, for the fast path to send
 * the same: without Connection and the headers it names, nor Transfer-Encoding; Host is the upstream's.
 */
export function upstreamRequestHeaders(headers: IncomingHttpHeaders, host: string): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers, host };
  const connection = out.connection;
  if (connection !== undefined) {
    delete out.connection;
    for (const name of connection.toLowerCase().split(',')) delete out[name.trim()];
    out.host = host;
  }
  delete out['transfer-encoding'];
  return out;
}

/** An upstream answer without its hop-by-hop headers: the client's `Connection: close` must win. */
export function withoutHopHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { connection: _connection, 'keep-alive': _keepAlive, ...rest } = headers as IncomingHttpHeaders & { 'keep-alive'?: string };
  return rest;
}
