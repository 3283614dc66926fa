import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../common/config.ts';
import { version } from '../common/version.ts';
import { assertProblem } from '../../test/support/routes.ts';
import { CHROME_UA, createScratch, type Scratch } from '../../test/support/test-support.ts';
import { withAuthAdmin } from './admin.ts';
import { buildMonolith } from './monolith.ts';

type Monolith = Awaited<ReturnType<typeof buildMonolith>>;

// What only the wired monolith shows: modules talking to each other (links → redirector →
// analytics → links) and the process routes. Each module's own routes are tested beside them
// (links.routes.db.test.ts, redirector.routes.test.ts, ...).
describe('monolith routes', () => {
  let scratch: Scratch;
  let monolith: Monolith;
  const keys: Record<string, string> = {};

  before(async () => {
    scratch = await createScratch('sqlite');
    const config = loadConfig({ DATABASE_URL: `sqlite:${join(scratch.dir, 'm.db')}`, LOG_LEVEL: 'silent', INTERNAL_TOKEN: 'x', DATA_DIR: scratch.dir });
    // As `morphlink user create` does it: through the auth admin, before the server starts.
    for (const name of ['alice', 'bob']) keys[name] = (await withAuthAdmin(config, (auth) => auth.createUser(name))).apiKey;
    monolith = await buildMonolith(config);
  });

  after(async () => {
    await monolith.dispose();
    await scratch.remove();
  });

  const inject = (options: InjectOptions): Promise<LightMyRequestResponse> => monolith.app.inject(options);
  /** An /api call as `user` (alice unless told), JSON body when given. */
  const api = (method: InjectOptions['method'], url: string, payload?: object, user = 'alice') =>
    inject({ method, url, payload, headers: { authorization: `Bearer ${keys[user]}` } });
  // light-my-request's default user agent reads as a bot, and bots are not counted as clicks.
  const visit = (method: 'GET' | 'HEAD', url: string) => inject({ method, url, headers: { 'user-agent': CHROME_UA } });

  it('when a link is created, changed and deleted through the API, then its short URL follows at once', async () => {
    await api('POST', '/api/links', { url: 'https://example.com/go?a=1', code: 'route-go' });
    assert.equal((await visit('GET', '/route-go?b=2')).headers.location, 'https://example.com/go?a=1&b=2');
    await api('PATCH', '/api/links/route-go', { url: 'https://example.com/moved' });
    assert.equal((await visit('GET', '/r/route-go')).headers.location, 'https://example.com/moved');
    await api('DELETE', '/api/links/route-go');
    assertProblem(await visit('GET', '/r/route-go'), 404, 'LINK_NOT_FOUND');
  });

  it('when a browser follows a link and the writer flushes, then the link shows the click', async () => {
    await api('POST', '/api/links', { url: 'https://example.com/count', code: 'route-count' });
    await visit('GET', '/r/route-count');
    await inject({ method: 'GET', url: '/r/route-count', headers: { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' } });
    await monolith.flush();
    assert.equal((await api('GET', '/api/links/route-count')).json().clicks, 1);
  });

  it('when a link with maxClicks 1 was followed, then the next visit is a 410', async () => {
    await api('POST', '/api/links', { url: 'https://example.com/once', code: 'route-once', maxClicks: 1 });
    assert.equal((await visit('GET', '/r/route-once')).statusCode, 302);
    assertProblem(await visit('GET', '/r/route-once'), 410, 'LINK_GONE');
  });

  it('when a link with maxClicks 1 is probed with HEAD, then it is not a click and GET still redirects', async () => {
    await api('POST', '/api/links', { url: 'https://example.com/probe', code: 'route-probe', maxClicks: 1 });
    assert.equal((await visit('HEAD', '/r/route-probe')).statusCode, 302);
    assert.equal((await visit('GET', '/r/route-probe')).statusCode, 302);
    await monolith.flush();
    assert.equal((await api('GET', '/api/links/route-probe')).json().clicks, 1);
  });

  it('when /health, /ready and /metrics are asked, then they answer 200 with their bodies', async () => {
    const health = await inject({ method: 'GET', url: '/health' });
    assert.deepEqual(health.json(), { status: 'ok', service: 'monolith', mode: 'monolith', version });
    assert.deepEqual((await inject({ method: 'GET', url: '/ready' })).json(), { status: 'ready', service: 'monolith' });
    const metrics = await inject({ method: 'GET', url: '/metrics' });
    assert.equal(metrics.statusCode, 200);
    assert.match(String(metrics.headers['content-type']), /^text\/plain/);
    assert.match(metrics.body, /^http_request_duration_seconds_count\{.*route="\/health".*\} \d+$/m);
  });
});
