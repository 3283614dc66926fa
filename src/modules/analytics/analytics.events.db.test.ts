import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { CHROME_UA, clickEvent, useDatabase } from '../../../test/support/test-support.ts';
import { analyticsMigrations, createAnalyticsRepository } from './index.ts';
import { EVENT_TEXT_LIMITS } from './analytics.schemas.ts';
import { TOKEN, startEventsServer } from './analytics.test-server.ts';
import { CLICK_FRAMES_MEDIA_TYPE, encodeClickFrame } from './analytics.click-frame.ts';

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
    // The answer names the database that stored them: a sender learns from it where its clicks go.
    assert.deepEqual(res.body, { accepted: 2, duplicates: 0, database: await createAnalyticsRepository(database()).databaseId() });
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

  it('when an event’s time is past the year 9999 (no date the stats or the export can print), then it is rejected by index and the rest stored', async (t) => {
    const { app } = await startEventsServer(t, database());
    const lastMs = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    const res = await post(app, { events: [clickEvent('ev-far', { at: 1e300 }), clickEvent('ev-far', { at: lastMs + 1 }), clickEvent('ev-far', { at: lastMs })] });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.deepEqual((res.body.rejected as { index: number }[]).map((r) => r.index), [0, 1]);
    assert.equal(await stored('ev-far'), 1);
  });

  it('when every item is malformed or the batch is not a list, then 400 and nothing is stored', async (t) => {
    const { app } = await startEventsServer(t, database());
    assert.equal((await post(app, { events: [{ id: 42 }] })).status, 400);
    assert.equal((await post(app, { events: 'nope' })).status, 400);
    assert.equal((await post(app, { ...clickEvent('ev-bad'), at: 'soon' })).status, 400);
    assert.equal(await stored('ev-bad'), 0);
  });
});

describe('POST /events as click frames (sqlite)', () => {
  const database = useDatabase('sqlite', { analytics: analyticsMigrations });
  const stored = async (linkId: string) => (await createAnalyticsRepository(database()).totalsFor([linkId])).get(linkId) ?? 0;
  /** One turn of `n` clicks on `linkId` (or these clicks), framed as the journal frames it. */
  const frame = (batch: string, linkId: string, n: number, clicks = Array.from({ length: n }, () => clickEvent(linkId))) =>
    encodeClickFrame(batch, clicks.map(({ id: _id, ...click }) => click));
  const post = async (app: Awaited<ReturnType<typeof startEventsServer>>['app'], body: Uint8Array, headers: Record<string, string> = {}) => {
    const res = await app.inject({
      method: 'POST',
      url: '/events',
      payload: Buffer.from(body),
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': CLICK_FRAMES_MEDIA_TYPE, ...headers },
    });
    return { status: res.statusCode, type: res.headers['content-type'], body: res.json() as Record<string, unknown> };
  };

  it('when a body holds whole frames, then their clicks are stored once, however often it is sent', async (t) => {
    const { app } = await startEventsServer(t, database());
    const body = Buffer.concat([frame('fr-ok-1', 'fr-ok', 3), frame('fr-ok-2', 'fr-ok', 2)]);
    const id = await createAnalyticsRepository(database()).databaseId();
    assert.deepEqual((await post(app, body)).body, { accepted: 5, duplicates: 0, database: id });
    // Sent again (a retried delivery): the ids `<batch>.<n>` are known, nothing is counted twice.
    assert.deepEqual((await post(app, body)).body, { accepted: 0, duplicates: 5, database: id });
    assert.equal(await stored('fr-ok'), 5);
  });

  it('when the frames are damaged, cut short or missing, then 400 problem+json and nothing of the body is stored', async (t) => {
    const { app } = await startEventsServer(t, database());
    const whole = Buffer.concat([frame('fr-torn-1', 'fr-torn', 2), frame('fr-torn-2', 'fr-torn', 2)]);
    const flipped = Buffer.from(whole);
    flipped[flipped.length - 3]! ^= 0xff;
    // A frame whose checksum holds but whose texts run past its end (no clicks, the first text to the end).
    const crafted = Buffer.from(frame('fr-torn-3', 'fr-torn', 2));
    crafted.writeUInt32LE(0, 12);
    crafted.writeUInt32LE(crafted.length - 24, 20);
    let hash = 0x811c9dc5;
    for (const byte of crafted.subarray(8)) hash = Math.imul(hash ^ byte, 0x01000193);
    crafted.writeUInt32LE(hash >>> 0, 4);
    const bodies = [flipped, whole.subarray(0, whole.length - 1), Buffer.concat([whole, Buffer.from('junk')]), crafted, Buffer.from('{"events":[]}'), Buffer.alloc(0)];
    for (const body of bodies) {
      const res = await post(app, body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(String(res.type), /^application\/problem\+json/);
      assert.match(String(res.body.detail), /click frames/);
    }
    assert.equal(await stored('fr-torn'), 0);
  });

  it('when a framed click breaks the event rules, then it is reported by its index among the frames’ clicks and the rest are stored', async (t) => {
    const { app } = await startEventsServer(t, database());
    const second = [clickEvent('fr-mixed'), clickEvent('', { code: 'c' }), clickEvent('fr-mixed', { at: -5 })];
    const res = await post(app, Buffer.concat([frame('fr-mixed-1', 'fr-mixed', 2), frame('fr-mixed-2', '', 0, second)]));
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.accepted, 3);
    assert.deepEqual((res.body.rejected as { index: number }[]).map((r) => r.index), [3, 4]);
    assert.equal(await stored('fr-mixed'), 3);
  });

  it('when the frames hold more than 10,000 clicks, or come without the internal token, then they are refused and nothing is stored', async (t) => {
    const { app } = await startEventsServer(t, database());
    assert.equal((await post(app, frame('fr-many', 'fr-many', 10_001))).status, 400);
    assert.equal((await post(app, frame('fr-anon', 'fr-many', 3), { authorization: 'Bearer nope' })).status, 401);
    assert.equal(await stored('fr-many'), 0);
  });
});
