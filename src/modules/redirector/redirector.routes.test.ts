import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import type { App } from '../../common/http/server.ts';
import { hashPassword } from '../../common/password.ts';
import { assertProblem, routeApp } from '../../../test/support/routes.ts';
import { CHROME_UA, memoryJournal } from '../../../test/support/test-support.ts';
import type { ClickEvent } from '../analytics/index.ts';
import type { ResolvedLink } from '../links/index.ts';
import { createClickQuota, createRedirector, redirectorRoutes } from './index.ts';

// GET|HEAD|POST /r/:code and /:code. The links and the clicks are the ports' plain stand-ins;
// the rules themselves are decide()'s (redirector.service.test.ts, redirector.fastpath.test.ts).
const NOW = Date.parse('2024-03-01T10:15:00Z');
const base = { ownerId: 'owner', expiresAt: null, maxClicks: null, redirectType: 302, passwordHash: null } as const;
const link = (code: string, extra: Partial<ResolvedLink> = {}): ResolvedLink =>
  ({ ...base, rules: [], id: `id-${code}`, code, url: `https://example.com/${code}`, ...extra });

describe('redirector routes', () => {
  const table = new Map<string, ResolvedLink>();
  const recorded: ClickEvent[] = [];
  const statuses: number[] = [];
  let app: App;

  before(async () => {
    for (const l of [link('go', { url: 'https://example.com/go?a=1' }), link('old', { expiresAt: NOW - 1 }), link('p308', { redirectType: 308 })]) table.set(l.code, l);
    table.set('locked', link('locked', { redirectType: 307, passwordHash: await hashPassword('open sesame') }));
    const redirector = createRedirector({
      links: { resolve: async (code) => table.get(code) ?? null },
      clicks: memoryJournal(recorded),
      quota: createClickQuota({ totalsFor: async () => new Map() }),
      now: () => NOW,
    });
    app = routeApp('redirector');
    app.register(redirectorRoutes, { redirector, countRedirect: (status) => void statuses.push(status), trustProxy: 'loopback' });
    await app.ready();
  });
  after(() => app.close());

  const visit = (method: InjectOptions['method'], url: string, extra: Partial<InjectOptions> = {}) =>
    app.inject({ method, url, ...extra, headers: { 'user-agent': CHROME_UA, ...extra.headers } });

  it('when a short URL is visited, then GET and HEAD answer with Location, the query carried over, and GET is a click', async () => {
    recorded.length = 0;
    for (const url of ['/r/go?b=2', '/go?b=2']) {
      const response = await visit('GET', url);
      assert.deepEqual([response.statusCode, response.headers.location], [302, 'https://example.com/go?a=1&b=2']);
    }
    const head = await visit('HEAD', '/r/go');
    assert.deepEqual([head.statusCode, head.headers.location, head.body], [302, 'https://example.com/go?a=1', '']);
    assert.equal((await visit('GET', '/p308')).statusCode, 308);
    assert.deepEqual(recorded.map((c) => c.code), ['go', 'go', 'p308']);
  });

  it('when an unknown or expired code is visited, then an API client gets a 404/410 problem and a browser a page', async () => {
    assertProblem(await visit('GET', '/r/none'), 404, 'LINK_NOT_FOUND');
    assertProblem(await visit('GET', '/old'), 410, 'LINK_GONE');
    for (const [url, status] of [['/r/none', 404], ['/old', 410]] as const) {
      const page = await visit('GET', url, { headers: { accept: 'text/html' } });
      assert.deepEqual([page.statusCode, page.headers['content-type']], [status, 'text/html; charset=utf-8']);
    }
  });

  it('when a code is longer than 64 characters, then it is a 400 problem', async () => {
    assertProblem(await visit('GET', `/r/${'a'.repeat(65)}`), 400, 'VALIDATION');
  });

  it('when a protected link is visited, then the form; a wrong password 401; the right one a 303 to the target', async () => {
    recorded.length = 0;
    const form = await visit('GET', '/r/locked');
    assert.deepEqual([form.statusCode, form.headers['content-type']], [200, 'text/html; charset=utf-8']);
    assert.match(form.body, /<form/);
    const urlencoded = { 'content-type': 'application/x-www-form-urlencoded' };
    const wrong = await visit('POST', '/r/locked', { headers: urlencoded, payload: 'password=nope' });
    assert.equal(wrong.statusCode, 401);
    const right = await visit('POST', '/locked?x=1', { headers: urlencoded, payload: 'password=open%20sesame' });
    assert.deepEqual([right.statusCode, right.headers.location], [303, 'https://example.com/locked?x=1']);
    const json = await visit('POST', '/r/locked', { payload: { password: 'open sesame' } });
    assert.equal(json.statusCode, 303);
    assert.equal(recorded.length, 2);
  });

  it('when the password body is malformed, then it is a 400 problem and nothing is recorded', async () => {
    recorded.length = 0;
    assertProblem(await visit('POST', '/r/locked', { payload: { password: 42 } }), 400, 'VALIDATION');
    assertProblem(await visit('POST', '/r/locked', { payload: { password: 'x'.repeat(257) } }), 400, 'VALIDATION');
    assert.equal(recorded.length, 0);
  });

  it('when answers go out, then each status is counted', async () => {
    statuses.length = 0;
    await visit('GET', '/go');
    await visit('GET', '/none');
    assert.deepEqual(statuses, [302, 404]);
  });
});
