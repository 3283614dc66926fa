import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BalancedPool } from 'undici';
import { createLogger } from '../../common/logger.ts';
import { createMetrics } from '../../common/metrics.ts';
import { createHttpServer, type App } from '../../common/http/server.ts';
import { compileTrust, redirectorModule } from '../../modules/redirector/index.ts';
import { collectStaticGetPaths, createRedirectProxy, shortUrlPath } from './gateway.fastpath.ts';
import { proxy } from './gateway.proxy.ts';

// The relay must answer exactly as reply-from does, and tell the upstream the same: two gateways
// in front of one upstream, one with the relay and one without, asked the same things.

interface Heard { method: string; url: string; headers: IncomingHttpHeaders }

/** A stand-in redirector: answers by path, and keeps what it heard. */
async function startUpstream(): Promise<{ url: string; heard: Heard[]; server: Server }> {
  const heard: Heard[] = [];
  const server = createServer((req, res) => {
    heard.push({ method: req.method!, url: req.url!, headers: req.headers });
    const path = req.url!.split('?')[0];
    if (path === '/busy' || path === '/r/busy') {
      res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '0' }).end('{"status":503}');
    } else if (path === '/nope') {
      res.writeHead(404, { 'content-type': 'application/problem+json; charset=utf-8' }).end('{"status":404,"code":"NOT_FOUND"}');
    } else if (path === '/page') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': ['a=1', 'b=2'] });
      res.write('<p>'.repeat(40_000));
      res.end('</p>');
    } else {
      res.writeHead(302, { location: `https://example.com${req.url}`, 'keep-alive': 'timeout=7', connection: 'keep-alive', 'x-upstream': '1' }).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, heard, server };
}

interface Gateway { base: string; app: App; relayed: number[]; pool: BalancedPool }

async function startGateway(upstream: string, { relay, trustProxy = 'loopback' }: { relay: boolean; trustProxy?: string }): Promise<Gateway> {
  const pool = new BalancedPool([upstream]);
  const trust = compileTrust(trustProxy);
  const ownPaths = new Set<string>();
  const gateway: Gateway = { base: '', app: undefined as unknown as App, relayed: [], pool };
  gateway.app = createHttpServer({
    service: 'gateway', mode: 'test', version: '0', logger: createLogger('silent', 'test'), metrics: createMetrics('test'),
    bodyLimitBytes: 1024, trustProxy, ready: {},
    ...(relay && {
      fastPath: createRedirectProxy({
        dispatcher: pool, base: upstream, trust, isOwnPath: (p) => ownPaths.has(p), onAnswer: (status) => void gateway.relayed.push(status),
      }),
    }),
  });
  gateway.app.addHook('onRoute', collectStaticGetPaths(ownPaths));
  gateway.app.get('/stats', async () => ({ own: true }));
  proxy(gateway.app, upstream, redirectorModule.publicRoutes, { trust, bodyLimit: 1024, dispatcher: pool });
  gateway.base = await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  return gateway;
}

interface Answer { status: number; headers: IncomingHttpHeaders; body: string }

/** node:http, not fetch: the path goes out byte for byte, and HEAD and odd headers are allowed. */
function ask(
  base: string,
  path: string,
  { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers: { 'user-agent': 'test', ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** What the two gateways may differ in: the date, and each server's own keep-alive policy (not relayed). */
const comparable = ({ date: _date, 'keep-alive': _keepAlive, ...rest }: IncomingHttpHeaders) => rest;

describe('the gateway relay (fast path)', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let fast: Gateway;
  let slow: Gateway;
  before(async () => {
    upstream = await startUpstream();
    [fast, slow] = await Promise.all([startGateway(upstream.url, { relay: true }), startGateway(upstream.url, { relay: false })]);
  });
  after(async () => {
    await Promise.all([fast.app.close(), slow.app.close()]);
    await Promise.all([fast.pool.close(), slow.pool.close()]);
    upstream.server.close();
  });

  const CASES: { name: string; path: string; method?: string; headers?: Record<string, string>; body?: string; relayed: boolean }[] = [
    { name: 'a code', path: '/abc', relayed: true },
    { name: 'a code under /r/', path: '/r/abc', relayed: true },
    { name: 'HEAD of a code', path: '/abc', method: 'HEAD', relayed: true },
    { name: 'a query with odd bytes', path: "/abc?q=%ZZ&a=b+c&x=%2F&y=it's&z=", relayed: true },
    { name: 'an empty query', path: '/abc?', relayed: true },
    { name: 'a 404 with a body', path: '/nope', relayed: true },
    { name: 'a long answer, in chunks, with two cookies', path: '/page', relayed: true },
    { name: 'a client Connection header naming others', path: '/abc', headers: { connection: 'keep-alive, x-drop', 'x-drop': '1', 'x-keep': '2' }, relayed: true },
    { name: 'a percent-encoded code', path: '/%61bc', relayed: false },
    { name: 'a path of two segments', path: '/a/b', relayed: false },
    { name: 'a code over 100 characters', path: `/${'a'.repeat(101)}`, relayed: false },
    { name: 'a static route of the gateway', path: '/stats', relayed: false },
    { name: 'a GET with Content-Length: 0', path: '/abc', headers: { 'content-length': '0' }, relayed: true },
    { name: 'a GET with a body', path: '/abc', headers: { 'content-length': '3' }, body: 'abc', relayed: false },
    { name: 'an upstream 503 to a GET (reply-from retries it)', path: '/busy', relayed: false },
    { name: 'an upstream 503 to a HEAD', path: '/r/busy', method: 'HEAD', relayed: true },
  ];

  for (const c of CASES) {
    it(`when ${c.name} is asked, then the relay answers as reply-from does and the upstream hears the same`, async () => {
      const before = fast.relayed.length;
      const heardBefore = upstream.heard.length;
      const a = await ask(fast.base, c.path, c);
      const heardFast = upstream.heard.slice(heardBefore);
      const b = await ask(slow.base, c.path, c);
      const heardSlow = upstream.heard.slice(heardBefore + heardFast.length);
      assert.equal(a.status, b.status);
      assert.deepEqual(comparable(a.headers), comparable(b.headers));
      assert.equal(a.body, b.body);
      assert.equal(fast.relayed.length - before, c.relayed ? 1 : 0, 'relayed by the fast path');
      const last = (h: Heard[]) => h.at(-1);
      assert.deepEqual(last(heardFast), last(heardSlow));
    });
  }

  it('when a code is relayed, then the client gets the upstream headers but not its hop-by-hop ones', async () => {
    const a = await ask(fast.base, '/abc?x=1');
    assert.equal(a.headers.location, 'https://example.com/abc?x=1');
    assert.equal(a.headers['x-upstream'], '1');
    assert.notEqual(a.headers['keep-alive'], 'timeout=7', "the upstream's own keep-alive is not passed on");
  });

  it('when the query has odd bytes, then the upstream gets them byte for byte', async () => {
    await ask(fast.base, '/abc?q=%ZZ&a=b+c&%C3%A9=%e9');
    assert.equal(upstream.heard.at(-1)?.url, '/abc?q=%ZZ&a=b+c&%C3%A9=%e9');
  });
});

describe('the gateway relay and the client’s forwarded headers', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  const gateways: Gateway[] = [];
  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await Promise.all(gateways.map(async (g) => (await g.app.close(), await g.pool.close())));
    upstream.server.close();
  });
  const spoofed = { 'x-forwarded-for': '6.6.6.6', 'cf-ipcountry': 'KP', 'x-country': 'KP' };

  it('when the client is not a trusted proxy, then its X-Forwarded-For and country are not believed', async () => {
    const gateway = await startGateway(upstream.url, { relay: true, trustProxy: '10.0.0.0/8' });
    gateways.push(gateway);
    await ask(gateway.base, '/abc', { headers: spoofed });
    assert.equal(gateway.relayed.length, 1);
    const { headers } = upstream.heard.at(-1)!;
    assert.equal(headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(headers['cf-ipcountry'], undefined);
    assert.equal(headers['x-country'], undefined);
    assert.equal(headers.host, new URL(upstream.url).host);
  });

  it('when the client is a trusted proxy, then its X-Forwarded-For and country pass', async () => {
    const gateway = await startGateway(upstream.url, { relay: true, trustProxy: 'loopback' });
    gateways.push(gateway);
    await ask(gateway.base, '/abc', { headers: spoofed });
    const { headers } = upstream.heard.at(-1)!;
    assert.equal(headers['x-forwarded-for'], '6.6.6.6');
    assert.equal(headers['cf-ipcountry'], 'KP');
  });
});

describe('the gateway relay with no redirector listening', () => {
  let dead: string;
  let fast: Gateway;
  let slow: Gateway;
  before(async () => {
    const { url, server } = await startUpstream();
    await new Promise((resolve) => server.close(resolve));
    dead = url;
    [fast, slow] = await Promise.all([startGateway(dead, { relay: true }), startGateway(dead, { relay: false })]);
  });
  after(async () => {
    await Promise.all([fast.app.close(), slow.app.close()]);
  });

  for (const method of ['GET', 'HEAD']) {
    it(`when a ${method} of a code finds the upstream down, then the answer is the same 503 problem+json as reply-from's`, async () => {
      const a = await ask(fast.base, '/abc', { method });
      const b = await ask(slow.base, '/abc', { method });
      assert.equal(a.status, 503);
      assert.match(String(a.headers['content-type']), /^application\/problem\+json/);
      assert.equal(a.headers['retry-after'], '2');
      assert.deepEqual(comparable(a.headers), comparable(b.headers));
      assert.equal(a.body, b.body);
      if (method === 'GET') assert.equal(JSON.parse(a.body).code, 'UNAVAILABLE');
      assert.deepEqual(fast.relayed, [], 'answered by the framework');
    });
  }
});

describe('shortUrlPath', () => {
  it('when the path is one code or /r/ and a code, then it is the path without the query', () => {
    assert.equal(shortUrlPath('/abc?x=1'), '/abc');
    assert.equal(shortUrlPath('/r/a_b-C9'), '/r/a_b-C9');
    for (const url of ['/', '/r/', '/a/b', '/%61', '/a.b', '//abc', 'http://x/abc', '/a\\b', `/${'x'.repeat(101)}`]) {
      assert.equal(shortUrlPath(url), null, url);
    }
  });
});
