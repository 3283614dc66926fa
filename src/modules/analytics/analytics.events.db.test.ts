import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { CHROME_UA, clickEvent, useDatabase } from '../../../test/support/test-support.ts';
import { analyticsMigrations, createAnalyticsRepository } from './index.ts';
import { EVENT_TEXT_LIMITS } from './analytics.schemas.ts';
import { TOKEN, startEventsServer } from './analytics.test-server.ts';

describe('POST /events, item by item (sqlite)', () => {
  const database = useDatabase('sqlite', { analytics: analyticsMigrations });
  const stored = async (linkId: string) => (await createAnalyticsRepository(database()).totalsFor([linkId])).get(linkId) ?? 0;
  const post = async (app: Awaited<ReturnType<typeof startEventsServer>>['app'], payload: unknown) => {
    const res = await app.inject({ method: 'POST', url: '/events', payload: payload as object, headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  };

  it('when events carry an over-long user agent and referrer, then they are stored, truncated to the documented limits', async (t) => {
    const { app } = await startEventsServer(t, database());
    const long = clickEvent('ev-long', { userAgent: `${CHROME_UA} ${'x'.repeat(2_000)}`, referrer: `https://r.example/${'y'.repeat(5_000)}` });
    const res = await post(app, { events: [long, clickEvent('ev-long')] });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.deepEqual(res.body, { accepted: 2, duplicates: 0 });
    assert.equal(await stored('ev-long'), 2);
    // The raw row keeps its texts in the dictionaries; an id without a '.' is its own batch key.
    const { rows } = await sql<{ user_agent: string; referrer: string }>`select a.user_agent, r.referrer from click_raw c
      join click_batches b on b.id = c.batch join click_agents a on a.id = c.agent join click_referrers r on r.id = c.referrer
      where b.batch_key = ${long.id}`.execute(database().db);
    const row = rows[0]!;
    assert.equal(row.user_agent.length, EVENT_TEXT_LIMITS.userAgent);
    assert.equal(row.referrer.length, EVENT_TEXT_LIMITS.referrer);
  });

  it('when one item of a batch is malformed, then the others are stored and it is reported by index', async (t) => {
    const { app } = await startEventsServer(t, database());
    const batch = [clickEvent('ev-mixed'), { ...clickEvent('ev-mixed'), at: -1 }, { id: 42 }, clickEvent('ev-mixed')];
    const res = await post(app, { events: batch });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.accepted, 2);
    assert.deepEqual((res.body.rejected as { index: number }[]).map((r) => r.index), [1, 2]);
    assert.ok((res.body.rejected as { errors: unknown[] }[]).every((r) => r.errors.length > 0));
    assert.equal(await stored('ev-mixed'), 2);
  });

  it('when every item is malformed or the batch is not a list, then 400 and nothing is stored', async (t) => {
    const { app } = await startEventsServer(t, database());
    assert.equal((await post(app, { events: [{ id: 42 }] })).status, 400);
    assert.equal((await post(app, { events: 'nope' })).status, 400);
    assert.equal((await post(app, { ...clickEvent('ev-bad'), at: 'soon' })).status, 400);
    assert.equal(await stored('ev-bad'), 0);
  });
});
