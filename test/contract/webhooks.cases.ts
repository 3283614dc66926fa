import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { assertProblem, assertStatus, assertValidation, ISO_UTC } from './expect.ts';
import { createLink, eventually } from './fixtures.ts';
import { api, visit, type Client } from './http.ts';
import type { Suite } from './suite.ts';
import type { EventsReply } from './types.ts';

interface Webhook { id: string; url: string; events: string[]; createdAt: string; secret?: string }
interface Attempt { attempt: number; at: string; statusCode: number | null; error: string | null; durationMs: number }
interface Delivery { id: string; createdAt: string; events: number; status: string; attempts: number; nextRetryAt: string | null; lastStatusCode: number | null; lastError: string | null; log: Attempt[] }
interface Received { headers: IncomingHttpHeaders; body: string; json: { id: string; event: string; webhookId: string; data: { id: string; code: string; at: string }[] } }

/** A webhook receiver on 127.0.0.1: `answer(n)` picks the status of its n-th request (from 1), or 'hang' for none ever. */
async function receiver(answer: (n: number) => number | 'hang' = () => 200) {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: request.headers, body, json: JSON.parse(body) as Received['json'] });
      const status = answer(received.length);
      if (status !== 'hang') response.writeHead(status).end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    codes: () => received.flatMap((r) => r.json.data.map((d) => d.code)),
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const sign = (body: string, secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

async function register(client: Client, url: string, secret?: string): Promise<Webhook> {
  const res = await client.post<Webhook>('/api/webhooks', secret === undefined ? { url } : { url, secret });
  assertStatus(res, 201, 'register:');
  return res.body;
}

const deliveriesOf = async (client: Client, id: string) => {
  const res = await client.get<{ items: Delivery[] }>(`/api/webhooks/${id}/deliveries`);
  assertStatus(res, 200, 'deliveries:');
  return res.body.items;
};

export function webhooksCases(s: Suite): void {
  describe('webhooks', () => {
    const receivers: Awaited<ReturnType<typeof receiver>>[] = [];
    const listen = async (answer?: Parameters<typeof receiver>[0]) => {
      const r = await receiver(answer);
      receivers.push(r);
      return r;
    };
    after(async () => void (await Promise.all(receivers.map((r) => r.close()))));

    it('when a user registers a webhook, then the 201 shows its secret once and the list shows it without', async () => {
      const user = await s.newUser('hook');
      const made = await register(user, 'http://127.0.0.1:9/hook');
      assert.match(made.id, /\S/);
      assert.equal(made.url, 'http://127.0.0.1:9/hook');
      assert.deepEqual(made.events, ['clicks']);
      assert.match(made.createdAt, ISO_UTC);
      assert.match(made.secret ?? '', /^whsec_[A-Za-z0-9_-]{20,}$/, 'a generated secret');
      const chosen = await register(user, 'https://127.0.0.1:9/other', 'a-secret-of-my-own-choosing');
      assert.equal(chosen.secret, 'a-secret-of-my-own-choosing');
      const list = await user.get<{ items: Webhook[] }>('/api/webhooks');
      assertStatus(list, 200);
      assert.deepEqual(list.body.items.map((w) => w.id).sort(), [made.id, chosen.id].sort());
      assert.ok(list.body.items.every((w) => !('secret' in w)), 'no secret in the list');
      assert.deepEqual(await deliveriesOf(user, made.id), []);
    });

    it('when a link of the user is clicked, then its receiver gets the click, signed, and the delivery log shows it', async () => {
      const user = await s.newUser('hookclick');
      const r = await listen();
      const hook = await register(user, r.url);
      const link = await createLink(user);
      assertStatus(await visit(s.target, `/r/${link.code}`), 302);
      await eventually(async () => r.received.length, (n) => n >= 1, 15_000);
      const [got] = r.received;
      assert.equal(got!.headers['x-morphlink-signature'], sign(got!.body, hook.secret!), 'signature over the exact body');
      assert.equal(got!.headers['content-type'], 'application/json');
      assert.equal(got!.headers['x-morphlink-delivery'], got!.json.id);
      assert.match(String(got!.headers['x-morphlink-timestamp']), /^\d{10}$/);
      assert.equal(got!.json.event, 'clicks');
      assert.equal(got!.json.webhookId, hook.id);
      assert.deepEqual(got!.json.data.map((c) => c.code), [link.code]);
      assert.match(got!.json.data[0]!.at, ISO_UTC);
      const [delivery] = await eventually(() => deliveriesOf(user, hook.id), (d) => d[0]?.status === 'delivered');
      assert.deepEqual(
        { id: delivery!.id, events: delivery!.events, attempts: delivery!.attempts, next: delivery!.nextRetryAt, code: delivery!.lastStatusCode, log: delivery!.log.map((a) => a.statusCode) },
        { id: got!.json.id, events: 1, attempts: 1, next: null, code: 200, log: [200] },
      );
    });

    it('when the receiver answers 500 and then 200, then the delivery is retried and the log shows both', async () => {
      const user = await s.newUser('hookretry');
      const r = await listen((n) => (n === 1 ? 500 : 200));
      const hook = await register(user, r.url);
      const link = await createLink(user);
      assertStatus(await visit(s.target, `/r/${link.code}`), 302);
      const [delivery] = await eventually(() => deliveriesOf(user, hook.id), (d) => d[0]?.status === 'delivered', 20_000);
      assert.deepEqual(delivery!.log.map((a) => [a.attempt, a.statusCode]), [[1, 500], [2, 200]]);
      assert.equal(delivery!.log[0]!.error, 'HTTP 500');
      assert.equal(delivery!.attempts, 2);
      assert.equal(r.received.length, 2);
      assert.equal(r.received[0]!.body, r.received[1]!.body, 'a retry sends the same bytes');
      assert.deepEqual(r.received.map((x) => x.headers['x-morphlink-attempt']), ['1', '2']);
    });

    it('when the URL is not http(s), malformed, or the body is bad, then 400 and nothing is stored', async () => {
      const user = await s.newUser('hookbad');
      for (const url of ['ftp://127.0.0.1/x', 'javascript:alert(1)', 'not a url', '/relative', 'http://']) {
        assertValidation(await user.post('/api/webhooks', { url }), 'url', `${url}:`);
      }
      assertValidation(await user.post('/api/webhooks', {}), 'url', 'missing url:');
      assertProblem(await user.post('/api/webhooks', { url: 42 }), 400, 'url not a string:');
      assertValidation(await user.post('/api/webhooks', { url: 'http://127.0.0.1:9/x', secret: 'short' }), 'secret', 'short secret:');
      assertProblem(await user.send('POST', '/api/webhooks', { raw: '{"url":', headers: { 'content-type': 'application/json' } }), 400, 'malformed JSON:');
      const list = await user.get<{ items: Webhook[] }>('/api/webhooks');
      assert.deepEqual(list.body.items, []);
      assertProblem(await s.anon.post('/api/webhooks', { url: 'http://127.0.0.1:9/x' }), 401, 'anonymous:');
    });

    it('when a user has 25 webhooks, then a 26th is 409 and not stored, and deleting one makes room', async () => {
      const user = await s.newUser('hookmany');
      const made: Webhook[] = [];
      for (let i = 0; i < 25; i++) made.push(await register(user, `http://127.0.0.1:9/hook/${i}`));
      assertProblem(await user.post('/api/webhooks', { url: 'http://127.0.0.1:9/hook/26' }), 409, '26th:');
      assert.equal((await user.get<{ items: Webhook[] }>('/api/webhooks')).body.items.length, 25);
      assertStatus(await user.delete(`/api/webhooks/${made[0]!.id}`), 204);
      await register(user, 'http://127.0.0.1:9/hook/26');
    });

    it('when another user names a webhook, then delete and deliveries answer 404 like a missing one, and it stays', async () => {
      const [owner, other] = [await s.newUser('hookowner'), await s.newUser('hookother')];
      const hook = await register(owner, 'http://127.0.0.1:9/hook');
      assertProblem(await other.delete(`/api/webhooks/${hook.id}`), 404, 'other delete:');
      assertProblem(await other.get(`/api/webhooks/${hook.id}/deliveries`), 404, 'other deliveries:');
      assertProblem(await owner.delete(`/api/webhooks/${randomUUID()}`), 404, 'missing delete:');
      assertProblem(await owner.get(`/api/webhooks/${randomUUID()}/deliveries`), 404, 'missing deliveries:');
      assert.deepEqual((await other.get<{ items: Webhook[] }>('/api/webhooks')).body.items, []);
      assert.deepEqual((await owner.get<{ items: Webhook[] }>('/api/webhooks')).body.items.map((w) => w.id), [hook.id]);
      const gone = await owner.delete(`/api/webhooks/${hook.id}`);
      assertStatus(gone, 204);
      assertProblem(await owner.get(`/api/webhooks/${hook.id}/deliveries`), 404, 'deleted:');
      assert.deepEqual((await owner.get<{ items: Webhook[] }>('/api/webhooks')).body.items, []);
    });

    it('when two users each have a webhook, then each receives only the clicks of their own links', async () => {
      const [ann, ben] = [await s.newUser('hookann'), await s.newUser('hookben')];
      const [ra, rb] = [await listen(), await listen()];
      await register(ann, ra.url);
      await register(ben, rb.url);
      const [la, lb] = [await createLink(ann), await createLink(ben)];
      for (let i = 0; i < 3; i++) {
        assertStatus(await visit(s.target, `/r/${la.code}`), 302);
        assertStatus(await visit(s.target, `/r/${lb.code}`), 302);
      }
      await eventually(async () => [ra.codes().length, rb.codes().length], ([a, b]) => a! >= 3 && b! >= 3, 15_000);
      assert.deepEqual([...new Set(ra.codes())], [la.code], 'ann got only her clicks');
      assert.deepEqual([...new Set(rb.codes())], [lb.code], 'ben got only his clicks');
      assert.deepEqual([ra.codes().length, rb.codes().length], [3, 3]);
    });

    it('when a webhook never answers, then ingestion is as fast as without one and redirects still answer', async (t) => {
      const [live, dead] = [await listen(), await listen(() => 'hang')];
      const internal = api({ baseUrl: s.target.eventsUrl }, s.target.internalToken);
      const prepare = async (prefix: string, url?: string) => {
        const user = await s.newUser(prefix);
        if (url) await register(user, url);
        const me = (await user.get<{ id: string }>('/api/users/me')).body;
        return { link: await createLink(user), ownerId: me.id, times: [] as number[] };
      };
      const kinds = { none: await prepare('hooknone'), live: await prepare('hooklive', live.url), dead: await prepare('hookdead', dead.url) };
      // Interleaved rounds, so a slow moment of the machine hits every kind alike.
      for (let round = 0; round < 7; round++) {
        for (const kind of Object.values(kinds)) {
          const events = Array.from({ length: 200 }, () => ({ id: randomUUID(), linkId: kind.link.id, ownerId: kind.ownerId, code: kind.link.code, at: Date.now(), visitor: 'v' }));
          const started = performance.now();
          const res = await internal.post<EventsReply>('/events', { events });
          kind.times.push(performance.now() - started);
          assertStatus(res, 202);
          assert.equal(res.body.accepted, 200);
        }
      }
      const median = (times: number[]) => [...times].sort((a, b) => a - b)[3]!;
      const [none, withLive, withDead] = [median(kinds.none.times), median(kinds.live.times), median(kinds.dead.times)];
      await eventually(async () => [dead.received.length, live.received.length], ([d, l]) => d! >= 1 && l! >= 7, 10_000);
      // Had ingestion waited on the receiver, each call would take the 2 s delivery deadline.
      const report = `median ingest of 200 clicks: ${none.toFixed(1)} ms without a webhook, ${withLive.toFixed(1)} ms with a live one, ${withDead.toFixed(1)} ms with a dead one`;
      assert.ok(withDead < withLive * 2 + 100 && withDead < none * 3 + 250, report);
      const started = performance.now();
      for (let i = 0; i < 20; i++) assertStatus(await visit(s.target, `/r/${kinds.dead.link.code}`), 302);
      const perRedirect = (performance.now() - started) / 20;
      assert.ok(perRedirect < 250, `a redirect took ${perRedirect.toFixed(0)} ms on average with the receiver hanging`);
      t.diagnostic(`${report}; a redirect ${perRedirect.toFixed(1)} ms while the dead receiver holds ${dead.received.length} requests`);
    });
  });
}
