import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { App } from '../../common/http/server.ts';
import { assertProblem, routeApp } from '../../../test/support/routes.ts';
import { useDatabase } from '../../../test/support/test-support.ts';
import { authMigrations, createAuthRepository, createAuthService, createAuthenticate } from '../auth/index.ts';
import { createLinksRepository, createLinksService, linksMigrations, linksRoutes } from './index.ts';

// /api/links* on a real SQLite file, with the real API-key authentication in front.
describe('links routes (sqlite)', () => {
  const database = useDatabase('sqlite', { auth: authMigrations, links: linksMigrations });
  const keys: Record<string, string> = {};
  let app: App;

  before(async () => {
    const auth = createAuthService({ repository: createAuthRepository(database()), trustedUserNames: [] });
    for (const name of ['alice', 'bob']) keys[name] = (await auth.createUser(name)).apiKey;
    const links = createLinksService({
      repository: createLinksRepository(database()),
      clicks: { totalsFor: async () => new Map() },
      changes: { linkChanged: async () => undefined },
      baseUrl: 'http://127.0.0.1:8000',
    });
    app = routeApp('links');
    app.register(linksRoutes, { links, authenticate: createAuthenticate(auth, 'apikey') });
    await app.ready();
  });
  after(() => app.close());

  const inject = (options: InjectOptions): Promise<LightMyRequestResponse> => app.inject(options);
  /** An /api call as `user` (alice unless told), JSON body when given. */
  const api = (method: InjectOptions['method'], url: string, payload?: object, user = 'alice') =>
    inject({ method, url, payload, headers: { authorization: `Bearer ${keys[user]}` } });
  const withBody = (contentType: string, payload: string) =>
    inject({ method: 'POST', url: '/api/links', headers: { authorization: `Bearer ${keys.alice}`, 'content-type': contentType }, payload });

  it('when a link is posted with a key, then it is 201 and can be read back by its owner only', async () => {
    const created = await api('POST', '/api/links', { url: 'https://example.com/a', code: 'route-a', tags: ['t'] });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().shortUrl, 'http://127.0.0.1:8000/route-a');
    assert.deepEqual((await api('GET', '/api/links/route-a')).json(), created.json());
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

  it('when a PATCH tries to change the code, then it is a 400 and the link keeps its code', async () => {
    await api('POST', '/api/links', { url: 'https://example.com', code: 'route-keep' });
    assertProblem(await api('PATCH', '/api/links/route-keep', { code: 'route-other' }), 400, 'VALIDATION');
    assertProblem(await api('GET', '/api/links/route-other'), 404, 'LINK_NOT_FOUND');
  });

  it('when a link is deleted, then it is 204 and then 404', async () => {
    await api('POST', '/api/links', { url: 'https://example.com', code: 'route-del' });
    assert.equal((await api('DELETE', '/api/links/route-del')).statusCode, 204);
    assertProblem(await api('DELETE', '/api/links/route-del'), 404, 'LINK_NOT_FOUND');
  });

  it('when no key or a wrong key is sent, then it is a 401 problem', async () => {
    assertProblem(await inject({ method: 'POST', url: '/api/links', payload: { url: 'https://example.com' } }), 401, 'UNAUTHORIZED');
    const wrong = { authorization: `Bearer mlk_${'A'.repeat(32)}` };
    assertProblem(await inject({ method: 'GET', url: '/api/links', headers: wrong }), 401, 'UNAUTHORIZED');
  });

  it('when the body is 2 MB, then it is a 413 problem', async () => {
    assertProblem(await api('POST', '/api/links', { url: 'https://example.com', title: 'x'.repeat(2 * 1024 * 1024) }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('when the body is XML, text/plain or form-encoded, then it is a 415 problem and no link is made', async () => {
    assertProblem(await withBody('application/xml', '<url/>'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    assertProblem(await withBody('text/plain', '{"url":"https://example.com"}'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    assertProblem(await withBody('application/x-www-form-urlencoded', 'url=https://example.com/form&code=route-form'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    assertProblem(await api('GET', '/api/links/route-form'), 404, 'LINK_NOT_FOUND');
  });

  it('when the QR code is asked, then SVG by default and PNG on request', async () => {
    await api('POST', '/api/links', { url: 'https://example.com', code: 'route-qr' });
    const svg = await api('GET', '/api/links/route-qr/qr');
    assert.deepEqual([svg.statusCode, svg.headers['content-type']], [200, 'image/svg+xml']);
    const png = await api('GET', '/api/links/route-qr/qr?format=png');
    assert.deepEqual([png.statusCode, png.headers['content-type'], png.rawPayload.subarray(1, 4).toString()], [200, 'image/png', 'PNG']);
  });
});
