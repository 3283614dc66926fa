import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../common/logger.ts';
import { createMetrics } from '../../common/metrics.ts';
import { createHttpServer, type App } from '../../common/http/server.ts';
import { CHROME_UA, GOOGLEBOT_UA, memoryJournal } from '../../../test/support/test-support.ts';
import type { ResolvedLink } from '../links/index.ts';
import { createClickQuota, createFastPath, createRedirector, redirectorRoutes } from './index.ts';

// The fast path must answer exactly like decide() does through Fastify, or it is a second set of
// rules. Two real servers share one link table: one with the fast path, one without it.
const NOW = Date.parse('2024-03-01T10:15:00Z');
const base = { ownerId: 'owner', expiresAt: null, maxClicks: null, redirectType: 302, passwordHash: null } as const;
const link = (code: string, extra: Partial<ResolvedLink> = {}): ResolvedLink =>
  ({ ...base, rules: [], id: `id-${code}`, code, url: `https://example.com/${code}`, ...extra });
const LINKS = new Map<string, ResolvedLink>(
  [
    link('abc'),
    link('p301', { redirectType: 301 }),
    link('p307', { redirectType: 307 }),
    link('p308', { redirectType: 308 }),
    link('withq', { url: 'https://example.com/t?a=1#frag' }),
    link('expired', { expiresAt: NOW - 1 }),
    link('later', { expiresAt: NOW + 60_000 }),
    link('full', { maxClicks: 3 }),
    link('room', { maxClicks: 1000 }),
    link('secret', { passwordHash: 'scrypt$not-checked-here' }),
    link('ruled', { rules: [{ device: 'ios', url: 'https://apps.example/ios' }, { country: 'DE', url: 'https://example.de/' }] }),
  ].map((l) => [l.code, l]),
);
// Clicks already counted per link: 'full' has used its three.
const TOTALS = new Map([['id-full', 3]]);

interface Server { base: string; app: App; fastAnswers: number }

async function serve(withFastPath: boolean): Promise<Server> {
  const redirector = createRedirector({
    links: { resolve: async (code) => LINKS.get(code) ?? null, peek: (code) => LINKS.get(code) },
    clicks: memoryJournal([]),
    quota: createClickQuota({ totalsFor: async (ids) => new Map(ids.map((id) => [id, TOTALS.get(id) ?? 0])) }),
    now: () => NOW,
  });
  const server: Server = { base: '', app: undefined as unknown as App, fastAnswers: 0 };
  const trustProxy = 'loopback';
  server.app = createHttpServer({
    service: 'redirector', mode: 'test', version: '0', logger: createLogger('silent', 'test'), metrics: createMetrics('test'),
    bodyLimitBytes: 1024, trustProxy, ready: {},
    ...(withFastPath && { fastPath: createFastPath(redirector, { trustProxy, onAnswer: () => void server.fastAnswers++ }) }),
  });
  await server.app.register(redirectorRoutes, { redirector, countRedirect: () => undefined, trustProxy });
  server.base = await server.app.listen({ host: '127.0.0.1', port: 0 });
  return server;
}

interface Case { name: string; path: string; method?: 'GET' | 'HEAD'; ua?: string; accept?: string; headers?: Record<string, string>; status: number; fast: boolean; location?: string }
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const CASES: Case[] = [
  { name: 'an unknown code', path: '/nope', status: 404, fast: false },
  { name: 'an unknown code under /r/, browser', path: '/r/nope', accept: 'text/html', status: 404, fast: false },
  { name: 'a plain link (302)', path: '/abc', status: 302, fast: true },
  { name: 'a plain link under /r/', path: '/r/abc', status: 302, fast: true },
  { name: 'redirectType 301', path: '/p301', status: 301, fast: true },
  { name: 'redirectType 307', path: '/p307', status: 307, fast: true },
  { name: 'redirectType 308', path: '/r/p308', status: 308, fast: true },
  { name: 'the query forwarded', path: '/abc?utm_source=x&q=a%20b', status: 302, fast: true },
  { name: 'the query joined to the target’s, before its fragment', path: '/withq?b=2', status: 302, fast: true },
  { name: 'an empty query', path: '/abc?', status: 302, fast: true },
  { name: 'HEAD on a plain link', path: '/abc', method: 'HEAD', status: 302, fast: true },
  { name: 'HEAD on an unknown code', path: '/nope', method: 'HEAD', status: 404, fast: false },
  { name: 'an expired link', path: '/expired', status: 410, fast: false },
  { name: 'an expired link, browser', path: '/expired', accept: 'text/html', status: 410, fast: false },
  { name: 'a link expiring later', path: '/later?x=1', status: 302, fast: true },
  { name: 'an exhausted link (maxClicks)', path: '/full', status: 410, fast: false },
  { name: 'HEAD on an exhausted link', path: '/full', method: 'HEAD', status: 410, fast: false },
  { name: 'a limited link with room', path: '/room', status: 302, fast: false },
  { name: 'a bot on a limited link', path: '/room?from=bot', ua: GOOGLEBOT_UA, status: 302, fast: false },
  { name: 'a bot on an exhausted link', path: '/full', ua: GOOGLEBOT_UA, status: 410, fast: false },
  { name: 'a password link', path: '/secret', accept: 'text/html', status: 200, fast: false },
  { name: 'HEAD on a password link', path: '/secret', method: 'HEAD', status: 200, fast: false },
  { name: 'a percent-encoded code', path: '/%61bc', status: 302, fast: false },
  { name: 'a percent-encoded code under /r/ with a query', path: '/r/%61b%63?z=1', status: 302, fast: false },
  { name: 'a percent-encoded unknown code', path: '/%6Eope', status: 404, fast: false },
  { name: 'a link with rules, from an iPhone', path: '/ruled?x=1', ua: IPHONE, status: 302, fast: true, location: 'https://apps.example/ios?x=1' },
  { name: 'a link with rules, from Germany by a trusted proxy', path: '/ruled', headers: { 'cf-ipcountry': 'DE' }, status: 302, fast: true, location: 'https://example.de/' },
  { name: 'a link with rules that none matches', path: '/r/ruled', status: 302, fast: true, location: 'https://example.com/ruled' },
  { name: 'HEAD on a link with rules', path: '/ruled', method: 'HEAD', ua: IPHONE, status: 302, fast: true, location: 'https://apps.example/ios' },
];

async function ask(server: Server, c: Case): Promise<{ status: number; location: string | null; fast: boolean }> {
  const before = server.fastAnswers;
  const headers: Record<string, string> = { 'user-agent': c.ua ?? CHROME_UA, ...(c.accept && { accept: c.accept }), ...c.headers };
  const res = await fetch(server.base + c.path, { method: c.method ?? 'GET', headers, redirect: 'manual' });
  await res.arrayBuffer();
  return { status: res.status, location: res.headers.get('location'), fast: server.fastAnswers > before };
}

describe('the fast path and decide() give the same answer', () => {
  let fast: Server;
  let framework: Server;
  before(async () => {
    [fast, framework] = await Promise.all([serve(true), serve(false)]);
  });
  after(async () => {
    await Promise.all([fast.app.close(), framework.app.close()]);
  });

  for (const c of CASES) {
    it(`when ${c.name} (${c.method ?? 'GET'} ${c.path}), then both paths answer ${c.status} with the same Location`, async () => {
      const viaFast = await ask(fast, c);
      const viaFramework = await ask(framework, c);
      assert.equal(viaFramework.fast, false);
      // Which path answered: a case meant for the fast path that falls through proves nothing.
      assert.equal(viaFast.fast, c.fast, 'answered by the fast path');
      assert.equal(viaFast.status, c.status);
      if (c.location !== undefined) assert.equal(viaFast.location, c.location);
      assert.deepEqual(viaFast, { ...viaFramework, fast: c.fast });
    });
  }
});
