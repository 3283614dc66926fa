import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { FastPath } from '../../common/http/server.ts';
import { clientAddress, fromTrustedPeer, type compileTrust } from '../../modules/redirector/index.ts';
import { forwardedHeaders, upstreamRequestHeaders, withoutHopHeaders } from './gateway.headers.ts';

export interface RedirectProxyOptions {
  /** The redirector replicas (a BalancedPool). */
  dispatcher: Dispatcher;
  /** The redirector's configured URL: its host is the Host header, as reply-from sent it. */
  base: string;
  trust: ReturnType<typeof compileTrust>;
  /** One-segment paths the gateway routes elsewhere (/health, /stats, …): never taken for a code. */
  isOwnPath(path: string): boolean;
  /** Called with the status and seconds taken of each answer relayed, for the metrics. */
  onAnswer(status: number, seconds: number): void;
}

// What Fastify's router takes as a code: one segment of at most maxParamLength (100) characters.
// Codes are [A-Za-z0-9_-]; anything else (%, dots, backslashes) takes the framework's way.
const CODE = /^[A-Za-z0-9_-]{1,100}$/;

/** The path of a GET/HEAD of /<code> or /r/<code>, or null when the framework must answer it. */
export function shortUrlPath(url: string): string | null {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const code = path.startsWith('/r/') ? path.slice(3) : path.slice(1);
  return path.charCodeAt(0) === 47 /* / */ && CODE.test(code) ? path : null;
}

// A GET with a body is rare and reply-from's to answer (it would have to be read first).
const hasBody = (headers: IncomingHttpHeaders) =>
  headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');

/**
 * The click path through the gateway without the framework: a GET or HEAD of a short URL is
 * relayed to a redirector over the pool and its answer copied back, status and headers (less
 * hop-by-hop ones) and body, with no per-request logging. The upstream hears what reply-from
 * would have said (gateway.headers.ts). A transport error, or a 503 to a GET (which reply-from
 * retries), hands the request to the framework, which answers it exactly as before.
 */
export function createRedirectProxy(options: RedirectProxyOptions): FastPath {
  const { dispatcher, trust, isOwnPath, onAnswer } = options;
  const host = new URL(options.base).host;
  return (request, response, fallback) => {
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const url = request.url ?? '';
    const path = shortUrlPath(url);
    if (path === null || isOwnPath(path) || hasBody(request.headers)) return false;
    const started = performance.now();
    const trusted = fromTrustedPeer(request, trust);
    const headers = forwardedHeaders(upstreamRequestHeaders(request.headers, host), clientAddress(request, trust, trusted), trusted);
    // An empty query is dropped, as reply-from did ("/x?" reaches the redirector as "/x").
    const upstreamPath = url.length === path.length + 1 ? path : url;
    dispatcher.dispatch(
      { method, path: upstreamPath, headers },
      relay(response, method === 'GET', () => fallback(request, response), (status) => onAnswer(status, (performance.now() - started) / 1000)),
    );
    return true;
  };
}

/** Copies one upstream answer to the client, or hands the request back before anything is written. */
function relay(
  response: ServerResponse,
  isGet: boolean,
  handBack: () => void,
  answered: (status: number) => void,
): Dispatcher.DispatchHandler {
  let handingBack = false;
  let status = 0;
  let headers: IncomingHttpHeaders | null = null;
  let wrote = false;
  const resume = (controller: Dispatcher.DispatchController) => () => controller.resume();
  return {
    // Its presence is what tells undici this handler speaks the controller API.
    onRequestStart() {},
    onResponseStart(_controller, statusCode, upstreamHeaders) {
      if (statusCode < 200) return;
      if (statusCode === 503 && isGet) {
        handingBack = true;
        return;
      }
      status = statusCode;
      const { 'transfer-encoding': _te, ...rest } = upstreamHeaders;
      // Written with the first chunk or at the end: an empty answer then goes out with Content-Length: 0, in one write.
      headers = withoutHopHeaders(rest);
    },
    onResponseData(controller, chunk) {
      if (handingBack || response.destroyed) return;
      if (headers) response.writeHead(status, headers);
      headers = null;
      wrote = true;
      if (!response.write(chunk)) {
        controller.pause();
        response.once('drain', resume(controller));
      }
    },
    onResponseEnd() {
      if (handingBack) return handBack();
      // As Fastify answers an empty GET; a HEAD's headers describe a body it does not send.
      if (headers) response.writeHead(status, isGet && headers['content-length'] === undefined ? { ...headers, 'content-length': '0' } : headers);
      response.end();
      answered(status);
    },
    onResponseError(_controller, error) {
      if (!wrote) return handBack();
      // Cut mid-body: the client must see a broken answer, not a short one that looks whole.
      response.destroy(error);
    },
  };
}

/**
 * Collects, as an onRoute hook, the static GET paths routed on the gateway (/health, /stats,
 * /dashboard, …): the relay leaves those to their routes. Add it before any route.
 */
export function collectStaticGetPaths(into: Set<string>): (route: { method: string | string[]; url: string }) => void {
  return ({ method, url }) => {
    const methods = Array.isArray(method) ? method : [method];
    if (methods.some((m) => m === 'GET' || m === 'HEAD') && !/[:*]/.test(url)) into.add(url);
  };
}
