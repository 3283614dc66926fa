import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../common/config.ts';
import { version } from '../common/version.ts';
import { CHROME_UA, createScratch, type Scratch } from '../../test/support/test-support.ts';
import { withAuthAdmin } from './admin.ts';
import { buildMonolith } from './monolith.ts';

type Monolith = Awaited<ReturnType<typeof buildMonolith>>;
const PROBLEM = 'application/problem+json; charset=utf-8';

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
    await monolith.app.close();
    await monolith.writer.close();
    await monolith.ctx.databases.closeAll();
    await scratch.remove();
  });

  const inject = (options: InjectOptions): Promise<LightMyRequestResponse> => monolith.app.inject(options);
  /** An /api call as `user` (alice unless told), JSON body when given. */
  const api = (method: InjectOptions['method'], url: string, payload?: object, user = 'alice') =>
    inject({ method, url, payload, headers: { authorization: `Bearer ${keys[user]}` } });
  const assertProblem = (response: LightMyRequestResponse, status: number, code: string) => {
    assert.equal(response.statusCode, status, response.body);
    assert.equal(response.headers['content-type'], PROBLEM);
    assert.deepEqual([response.json().status, response.json().code], [status, code]);
  };
  // light-my-request's default user agent reads as a bot, and bots are not counted as clicks.
  const visit = (method: 'GET' | 'HEAD', url: string) => inject({ method, url, headers: { 'user-agent': CHROME_UA } });

  it('when a link is posted with a key, then it is 201 and can be read back', async () => {
    const created = await api('POST', '/api/links', { url: 'https://example.com/a', code: 'route-a', tags: ['t'] });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().shortUrl, 'http://127.0.0.1:8000/route-a');
    const read = await api('GET', '/api/links/route-a');
    assert.deepEqual(read.json(), created.json());
    assertProblem(await api('GET', '/api/links/route-a', undefined, 'bob'), 404, 'LINK_NOT_FOUND');
  });

  it('when fields have the wrong types, then it is a 400 problem naming each field', async () => {
    const response = await api('POST', '/api/links', { url: 123, maxClicks: 'ten', tags: 'x' });
    assertProblem(response, 400, 'VALIDATION');
    const fields = (response.json().errors as { field: string }[]).map((e) => e.field).sort();
    assert.deepEqual(fields, ['maxClicks', 'tags', 'url']);
  });

  it('when the URL or code is refused, then it is a 400 or 409 problem and nothing is created', async () => {
    assertProblem(await api('POST', '/api/links', { url: 'javascript:alert(1)' }), 400, 'INVALID_URL');
    assertProblem(await api('POST', '/api/links', { url: 'https://example.com', code: 'Metrics' }), 400, 'INVALID_CODE');
    await api('POST', '/api/links', { url: 'https://example.com', code: 'route-taken' });
    assertProblem(await api('POST', '/api/links', { url: 'https://example.com/2', code: 'route-taken' }, 'bob'), 409, 'CODE_TAKEN');
    assert.equal((await api('GET', '/api/links/route-taken')).json().url, 'https://example.com');
  });

  it('when no key or a wrong key is sent, then it is a 401 problem', async () => {
    assertProblem(await inject({ method: 'POST', url: '/api/links', payload: { url: 'https://example.com' } }), 401, 'UNAUTHORIZED');
    const wrong = { authorization: `Bearer mlk_${'A'.repeat(32)}` };
    assertProblem(await inject({ method: 'GET', url: '/api/links', headers: wrong }), 401, 'UNAUTHORIZED');
  });

  it('when the body is 2 MB, then it is a 413 problem', async () => {
    assertProblem(await api('POST', '/api/links', { url: 'https://example.com', title: 'x'.repeat(2 * 1024 * 1024) }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('when the body is XML, then it is a 415 problem', async () => {
    const headers = { authorization: `Bearer ${keys.alice}`, 'content-type': 'application/xml' };
    assertProblem(await inject({ method: 'POST', url: '/api/links', headers, payload: '<url/>' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('when the body is text/plain, then it is a 415 problem', async () => {
    const headers = { authorization: `Bearer ${keys.alice}`, 'content-type': 'text/plain' };
    const response = await inject({ method: 'POST', url: '/api/links', headers, payload: '{"url":"https://example.com"}' });
    assertProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('when a short URL is visited, then GET and HEAD answer 302 with Location, the query carried over', async () => {
    await api('POST', '/api/links', { url: 'https://example.com/go?a=1', code: 'route-go' });
    for (const url of ['/r/route-go?b=2', '/route-go?b=2']) {
      const response = await visit('GET', url);
      assert.equal(response.statusCode, 302);
      assert.equal(response.headers.location, 'https://example.com/go?a=1&b=2');
    }
    const head = await visit('HEAD', '/r/route-go');
    assert.deepEqual([head.statusCode, head.headers.location, head.body], [302, 'https://example.com/go?a=1', '']);
  });

  it('when an unknown code is visited, then an API client gets a 404 problem and a browser a page', async () => {
    assertProblem(await inject({ method: 'GET', url: '/r/route-none' }), 404, 'LINK_NOT_FOUND');
    const page = await inject({ method: 'GET', url: '/r/route-none', headers: { accept: 'text/html' } });
    assert.deepEqual([page.statusCode, page.headers['content-type']], [404, 'text/html; charset=utf-8']);
  });

  it('when a browser follows a link and the writer flushes, then the link shows the click', async () => {
    await api('POST', '/api/links', { url: 'https://example.com/count', code: 'route-count' });
    await visit('GET', '/r/route-count');
    await inject({ method: 'GET', url: '/r/route-count', headers: { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' } });
    await monolith.writer.flush();
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
    await monolith.writer.flush();
    assert.equal((await api('GET', '/api/links/route-probe')).json().clicks, 1);
  });

  it('when the API gets a form-encoded body, then it is a 415 and no link is made', async () => {
    const headers = { authorization: `Bearer ${keys.alice}`, 'content-type': 'application/x-www-form-urlencoded' };
    const response = await inject({ method: 'POST', url: '/api/links', headers, payload: 'url=https://example.com/form&code=route-form' });
    assertProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    assertProblem(await api('GET', '/api/links/route-form'), 404, 'LINK_NOT_FOUND');
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
