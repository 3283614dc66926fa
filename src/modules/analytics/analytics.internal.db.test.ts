import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHttpClient } from '../../common/http/client.ts';
import { clickEvent, principal, useDatabase } from '../../../test/support/test-support.ts';
import { analyticsMigrations, createAnalyticsClient, createAnalyticsQueries, createAnalyticsRepository, createClickIngestion } from './index.ts';
import { TOKEN, startEventsServer } from './analytics.test-server.ts';

describe('the analytics queries over HTTP (sqlite)', () => {
  const database = useDatabase('sqlite', { analytics: analyticsMigrations });
  const auth = { authorization: `Bearer ${TOKEN}` };

  it('when a peer sends an internal body with a field the schema does not name, then it is dropped and the answer is the same; a wrong type is 400', async (t) => {
    const { app } = await startEventsServer(t, database());
    // Closed bodies drop unknown members on every route (Ajv removeAdditional), internal ones included.
    const post = async (url: string, payload: object) => {
      const reply = await app.inject({ method: 'POST', url, payload, headers: auth });
      return { status: reply.statusCode, body: reply.body };
    };
    const owner = { id: 'u1', name: 'u1', isAdmin: false };
    const same = async (url: string, plain: object, withStray: object) => {
      const [a, b] = [await post(url, plain), await post(url, withStray)];
      assert.equal(a.status, 200, a.body);
      assert.deepEqual(b, a);
    };
    await same('/internal/analytics/totals', { linkIds: ['a'] }, { linkIds: ['a'], ownerId: 'u1' });
    await same('/internal/analytics/link-stats', { link: { id: 'a', code: 'a' }, range: { interval: 'day' } }, { link: { id: 'a', code: 'a', url: 'x' }, range: { interval: 'day', tz: 'UTC' } });
    await same('/internal/analytics/user-clicks', { owner }, { owner: { ...owner, apiKey: 'mlk_x' } });
    assert.equal((await post('/internal/analytics/totals', { linkIds: 'a' })).status, 400);
    assert.equal((await post('/internal/analytics/user-clicks', { owner: { id: 1 } })).status, 400);
  });

  it('when the same clicks are read through the client and in-process, then both give the same answers', async (t) => {
    const repository = createAnalyticsRepository(database());
    const owner = principal('reader');
    await createClickIngestion(repository).ingest([clickEvent('q1', { ownerId: owner.id }), clickEvent('q1', { ownerId: owner.id }), clickEvent('q2', { ownerId: owner.id })]);
    const { port } = await startEventsServer(t, database());
    const http = createHttpClient(`http://127.0.0.1:${port}`, { token: TOKEN });
    t.after(() => http.close());
    const remote = createAnalyticsClient(http);
    const local = createAnalyticsQueries({ repository, now: () => 4_102_444_800_000 });
    assert.deepEqual(await remote.totalsFor(['q1', 'q2', 'none']), await local.totalsFor(['q1', 'q2', 'none']));
    assert.deepEqual(await remote.totalsFor([]), new Map());
    const range = { from: 0, to: 4_102_444_800_000, interval: 'day' as const };
    assert.deepEqual(await remote.linkStats({ id: 'q1', code: 'code-q1' }, range), await local.linkStats({ id: 'q1', code: 'code-q1' }, range));
    assert.deepEqual(await remote.userClicks(owner), await local.userClicks(owner));
    assert.equal((await local.userClicks(owner)).clicks, 3);
  });
});
