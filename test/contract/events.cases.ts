import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { assertProblem, assertStatus } from './expect.ts';
import { assertSettledTotal, createLink } from './fixtures.ts';
import { api, type Client } from './http.ts';
import type { Suite } from './suite.ts';
import type { EventsReply, Link } from './types.ts';

export function eventsCases(s: Suite): void {
  describe('internal click events', () => {
    let link: Link;
    let internal: Client;
    const event = (id = randomUUID()) => ({
      id,
      linkId: link.id,
      // The owner id is not public; analytics must count a link's clicks by its link id.
      ownerId: 'contract-suite',
      code: link.code,
      at: Date.now(),
      referrer: null,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
      visitor: 'v-contract',
    });
    before(async () => {
      link = await createLink(s.alice);
      internal = api({ baseUrl: s.target.eventsUrl }, s.target.internalToken);
    });

    it('when one event is posted twice, then it is accepted once and counted once', async () => {
      const one = event();
      const first = await internal.post<EventsReply>('/events', one);
      assertStatus(first, 202, 'first:');
      const { database, ...counts } = first.body;
      assert.deepEqual(counts, { accepted: 1, duplicates: 0 });
      // The database that stored it, by the id its migration made (a redirector keeps an outage's clicks for it).
      assert.match(database, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const again = await internal.post<EventsReply>('/events', one);
      assertStatus(again, 202, 'again:');
      assert.deepEqual(again.body, { accepted: 0, duplicates: 1, database });
      await assertSettledTotal(s.alice, link.code, 1);
    });

    it('when a batch mixes new and seen ids, then each is reported and only new ones count', async () => {
      const seen = event();
      assertStatus(await internal.post('/events', { events: [seen] }), 202, 'seed:');
      const res = await internal.post<EventsReply>('/events', { events: [seen, event(), event()] });
      assertStatus(res, 202);
      const { database: _database, ...counts } = res.body;
      assert.deepEqual(counts, { accepted: 2, duplicates: 1 });
      await assertSettledTotal(s.alice, link.code, 4);
    });

    it('when the internal token is missing, wrong or a user key, then 401 and nothing counts', async () => {
      const events = { baseUrl: s.target.eventsUrl };
      for (const client of [api(events), api(events, 'not-the-token'), api(events, s.aliceKey)]) {
        assertProblem(await client.post('/events', { events: [event()] }), 401);
      }
      await assertSettledTotal(s.alice, link.code, 4);
    });

    it('when an event is malformed, then 400', async () => {
      assertProblem(await internal.post('/events', { events: [{ id: 42 }] }), 400, 'bad event:');
      assertProblem(await internal.post('/events', { events: 'nope' }), 400, 'bad batch:');
    });
  });
}
