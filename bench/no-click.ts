import { createServer } from 'node:http';
import { createMetrics } from '../src/common/metrics.ts';
import type { ResolvedLink } from '../src/modules/links/index.ts';
import { createClickQuota, createFastPath, createRedirector, type ClickRecorder } from '../src/modules/redirector/index.ts';
import { MIX_LINKS, codeOf, targetOf } from './codes.ts';

// A reference, not a product: MorphLink's own fast path (visit parsing, TRUST_PROXY, the cached
// link, decideNow, the 302) on bare node:http, with a click recorder that records nothing. The
// distance from here to the ceiling is the fast path; from here to the monolith, the click.
const links = new Map<string, ResolvedLink>();
for (let i = 0; i < MIX_LINKS; i++) {
  const code = codeOf(i);
  links.set(code, { id: `id-${code}`, code, url: targetOf(i), ownerId: 'bench', expiresAt: null, maxClicks: null, redirectType: 302, passwordHash: null, rules: [] });
}

const nothing: ClickRecorder = { record: () => undefined, afterWrite: (done) => done() };
const redirector = createRedirector({
  links: { resolve: async (code) => links.get(code) ?? null, peek: (code) => links.get(code) },
  clicks: nothing,
  quota: createClickQuota({ totalsFor: async () => new Map() }),
});
const metrics = createMetrics('no-click');
const fastPath = createFastPath(redirector, {
  trustProxy: 'loopback',
  onAnswer: (status, seconds) => metrics.httpDuration.observe({ method: 'GET', route: '/:code', status }, seconds),
});

createServer((request, response) => {
  if (fastPath(request, response)) return;
  if (request.url === '/health') {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  if (request.url === '/metrics') {
    void metrics.registry.metrics().then((text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text));
    return;
  }
  response.writeHead(404).end();
}).listen(Number(process.env.PORT ?? 0), '127.0.0.1');

process.once('SIGTERM', () => process.exit(0));
