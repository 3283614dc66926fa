import type { IncomingMessage, ServerResponse } from 'node:http';
import proxyaddr from 'proxy-addr';
import { visitFrom, type Redirector } from './redirector.service.ts';

export type FastPath = (request: IncomingMessage, response: ServerResponse) => boolean;

/** TRUST_PROXY (as Fastify reads it: `loopback`, CIDRs, addresses) compiled once. */
export function compileTrust(trustProxy: string): (address: string, hop: number) => boolean {
  return proxyaddr.compile(trustProxy.split(',').map((s) => s.trim()));
}

const TRUSTED = Symbol('morphlink.trustedPeer');
type Trust = (address: string, hop: number) => boolean;

/**
 * Whether the peer on this socket is a proxy TRUST_PROXY trusts, so its forwarded headers count.
 * Asked once per connection: the answer is kept on the socket (proxy-addr parses the address
 * each time, about 0.8 µs of a keep-alive request).
 */
export function fromTrustedPeer(request: IncomingMessage, trust: Trust): boolean {
  const socket = request.socket as IncomingMessage['socket'] & { [TRUSTED]?: { trust: Trust; trusted: boolean } };
  const known = socket[TRUSTED];
  if (known !== undefined && known.trust === trust) return known.trusted;
  const trusted = trust(socket.remoteAddress ?? '', 0);
  socket[TRUSTED] = { trust, trusted };
  return trusted;
}

/**
 * The client's address, as proxy-addr gives it (request.ip in Fastify), without asking proxy-addr
 * unless a trusted peer sent X-Forwarded-For: otherwise it is the peer's own address.
 */
export function clientAddress(request: IncomingMessage, trust: Trust, trusted = fromTrustedPeer(request, trust)): string {
  return trusted && request.headers['x-forwarded-for'] !== undefined ? proxyaddr(request, trust) : (request.socket.remoteAddress ?? '');
}

/**
 * The hot path without the framework: GET or HEAD of /<code> or /r/<code> whose link is in
 * the cache and needs no password, click limit or expiry check is answered here, straight on
 * node:http, its targeting rules (if any) chosen here too. Everything else returns false and goes
 * to Fastify, which answers it the long way with the same rules (decide()), so the two can only
 * differ in speed.
 */
export function createFastPath(redirector: Redirector, { trustProxy, onAnswer }: {
  trustProxy: string;
  /** Called with the status and seconds taken, for the metrics the framework's hooks would keep. */
  onAnswer(status: number, seconds: number): void;
}): FastPath {
  const trust = compileTrust(trustProxy);
  return (request, response) => {
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const started = performance.now();
    const url = request.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const code = path.startsWith('/r/') ? path.slice(3) : path.slice(1);
    // Percent-encoded or nested paths take the long way, where the router decodes them.
    if (code.includes('/') || code.includes('%')) return false;
    const query = q === -1 ? '' : url.slice(q + 1);
    // Built before the decision, which needs it for a link with targeting rules: a request that
    // then falls through to Fastify has paid for it in vain, one that is answered here uses it to
    // record the click. (Built lazily in a closure instead, it cost the hot path about 10%.)
    // TRUST_PROXY asked once: proxy-addr walks X-Forwarded-For only when a trusted peer sent one.
    const trusted = fromTrustedPeer(request, trust);
    const ip = clientAddress(request, trust, trusted);
    const visit = visitFrom(code, query, ip, method, request.headers, trusted);
    const outcome = redirector.decideNow(code, query, visit);
    if (!outcome) return false;

    // No Cache-Control: a browser must come back each time, or its repeat clicks would go uncounted.
    // content-length 0: a complete answer in one write, without chunked encoding.
    response.writeHead(outcome.link.redirectType, { location: outcome.location, 'content-length': '0' });
    // The redirect goes out once the click is journaled, at the end of this event-loop turn.
    redirector.record(outcome.link, visit, () => {
      response.end();
      onAnswer(outcome.link.redirectType, (performance.now() - started) / 1000);
    }, outcome.target);
    return true;
  };
}
