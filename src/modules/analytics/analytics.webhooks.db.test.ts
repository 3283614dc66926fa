import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, it } from 'node:test';
import { DIALECTS, clickEvent, principal, silentLogger, useDatabase, withCode } from '../../../test/support/test-support.ts';
import { createWebhookDispatcher, type WebhookDispatcher } from './analytics.webhooks.dispatcher.ts';
import { createWebhookOutbox } from './analytics.webhooks.outbox.ts';
import { createWebhooksRepository } from './analytics.webhooks.repository.ts';
import { createWebhooks } from './analytics.webhooks.service.ts';
import type { Resolve } from './analytics.webhooks.address.ts';
import { analyticsMigrations, createAnalyticsRepository, createClickIngestion } from './index.ts';

const publicAddress: Resolve = async () => [{ address: '93.184.215.14', family: 4 }];
const loopback: Resolve = async () => [{ address: '127.0.0.1', family: 4 }];

/** A receiver on 127.0.0.1 answering `status(n)` to its n-th request. */
async function receiver(status: (n: number) => number = () => 200) {
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      got.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(status(got.length)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, got, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const until = async (check: () => Promise<boolean>, timeoutMs = 5_000) => {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (await check()) return;
  throw new Error('timed out');
};

for (const dialect of DIALECTS) {
  describe(`webhooks on ${dialect}`, () => {
    const database = useDatabase(dialect, { analytics: analyticsMigrations });
    const dispatchers: WebhookDispatcher[] = [];
    afterEach(async () => void (await Promise.all(dispatchers.splice(0).map((d) => d.close()))));
    const dispatch = (options: Partial<Parameters<typeof createWebhookDispatcher>[0]> = {}) => {
      const d = createWebhookDispatcher({ repository: createWebhooksRepository(database()), logger: silentLogger, allowPrivate: true, timeoutMs: 1_000, retryBaseMs: 20, maxAttempts: 3, concurrency: 4, pollMs: 20, ...options });
      dispatchers.push(d);
      return d;
    };

    it('when private targets are not allowed, then a private or loopback URL is refused with 400 and nothing is stored', async () => {
      const webhooks = createWebhooks({ repository: createWebhooksRepository(database()), allowPrivate: false, resolve: loopback });
      const owner = principal('priv');
      for (const url of ['http://127.0.0.1:8080/x', 'http://169.254.169.254/', 'http://[::1]/', 'http://[fc00::5]/', 'http://192.168.1.20/', 'http://rebind.example/']) {
        await assert.rejects(webhooks.register(owner, { url }), (e: unknown) => withCode('INVALID_WEBHOOK_URL')(e) && (e as { status: number }).status === 400, url);
      }
      assert.deepEqual(await webhooks.list(owner), []);
      const open = createWebhooks({ repository: createWebhooksRepository(database()), allowPrivate: false, resolve: publicAddress });
      assert.equal((await open.register(owner, { url: 'https://hooks.example/in' })).url, 'https://hooks.example/in');
    });

    it('when a name resolved publicly at registration resolves to loopback at delivery, then nothing is sent and the attempt says why', async () => {
      const r = await receiver();
      const repository = createWebhooksRepository(database());
      const owner = principal('rebind');
      const hook = await createWebhooks({ repository, allowPrivate: false, resolve: publicAddress }).register(owner, { url: `http://rebind.example:${r.port}/in` });
      await createWebhookOutbox(repository)([clickEvent('rl', { ownerId: owner.id })]);
      dispatch({ allowPrivate: false, resolve: loopback, maxAttempts: 1 });
      await until(async () => (await repository.recentDeliveries(hook.id, 1))[0]?.delivery.status === 'failed');
      const [latest] = await repository.recentDeliveries(hook.id, 1);
      assert.match(latest?.attempts[0]?.error ?? '', /private.*127\.0\.0\.1/);
      assert.equal(r.got.length, 0, 'the receiver on loopback got nothing');
      await r.close();
    });

    it('when clicks are ingested, then each owner webhook gets its own clicks once, signed, and a batch queued before a start is sent after it', async () => {
      const r = await receiver();
      const repository = createWebhooksRepository(database());
      const [mine, theirs] = [principal('ing-a'), principal('ing-b')];
      const hook = await createWebhooks({ repository, allowPrivate: true }).register(mine, { url: `http://127.0.0.1:${r.port}/in`, secret: 'sixteen-chars-secret' });
      const ingestion = createClickIngestion(createAnalyticsRepository(database()), async (stored) => void (await createWebhookOutbox(repository)(stored)));
      const batch = [clickEvent('l1', { ownerId: mine.id }), clickEvent('l2', { ownerId: theirs.id }), clickEvent('l1', { ownerId: mine.id })];
      assert.deepEqual(await ingestion.ingest(batch), { accepted: 3, duplicates: 0 });
      // A retried batch is all duplicates: nothing new is queued.
      assert.deepEqual(await ingestion.ingest(batch), { accepted: 0, duplicates: 3 });
      assert.equal(r.got.length, 0, 'ingestion itself sends nothing');
      dispatch();
      await until(async () => (await repository.recentDeliveries(hook.id, 5))[0]?.delivery.status === 'delivered');
      assert.equal(r.got.length, 1);
      const { headers, body } = r.got[0]!;
      assert.equal(headers['x-morphlink-signature'], `sha256=${createHmac('sha256', 'sixteen-chars-secret').update(body).digest('hex')}`);
      const sent = JSON.parse(body) as { data: { id: string; linkId: string }[] };
      assert.deepEqual(sent.data.map((c) => c.id).sort(), [batch[0]!.id, batch[2]!.id].sort());
      await r.close();
    });

    it('when a receiver keeps failing, then it is tried maxAttempts times with growing waits and marked failed', async () => {
      const r = await receiver(() => 503);
      const repository = createWebhooksRepository(database());
      const owner = principal('failing');
      const hook = await createWebhooks({ repository, allowPrivate: true }).register(owner, { url: `http://127.0.0.1:${r.port}/in` });
      await createWebhookOutbox(repository)([clickEvent('lf', { ownerId: owner.id })]);
      dispatch({ retryBaseMs: 60, maxAttempts: 3 });
      await until(async () => (await repository.recentDeliveries(hook.id, 1))[0]?.delivery.status === 'failed');
      const [latest] = await repository.recentDeliveries(hook.id, 1);
      const { delivery, attempts } = latest!;
      assert.deepEqual(attempts.map((a) => [a.attempt, a.status_code, a.error]), [[1, 503, 'HTTP 503'], [2, 503, 'HTTP 503'], [3, 503, 'HTTP 503']]);
      assert.equal(delivery.next_at, null);
      const [gap1, gap2] = [attempts[1]!.at - attempts[0]!.at, attempts[2]!.at - attempts[1]!.at];
      assert.ok(gap1 >= 60 && gap2 >= 120, `waits ${gap1} ms then ${gap2} ms`);
      assert.equal(r.got.length, 3);
      await r.close();
    });
  });
}
