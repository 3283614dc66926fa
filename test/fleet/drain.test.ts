import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createScratch, type Scratch } from '../contract/database.ts';
import { createUser, targetEnv } from '../contract/harness.ts';
import { createLink } from '../contract/fixtures.ts';
import { api, visit } from '../contract/http.ts';
import { spawnMorphlink, waitFor200 } from './process.ts';

const status = (url: string) => fetch(url, { signal: AbortSignal.timeout(2_000) }).then((r) => r.status, () => 0);

// A load balancer (Kubernetes' endpoints, a proxy's health checks) polls /ready: it must see 503
// while the process still serves, and only then may the process stop taking requests.
describe('a graceful stop turns readiness off first', () => {
  const scratches: Scratch[] = [];
  after(() => Promise.all(scratches.map((s) => s.remove())));

  test('when a monolith with SHUTDOWN_DELAY_MS is told to stop, then /ready is 503 at once while redirects and the API still answer, then it exits 0', async () => {
    const scratch = await createScratch('sqlite');
    scratches.push(scratch);
    const { env: base, ports } = await targetEnv('monolith', scratch.databaseUrl, scratch.dir, 'drain-test-token');
    const env = { ...base, SHUTDOWN_DELAY_MS: '3000' };
    const baseUrl = `http://127.0.0.1:${ports.gateway}`;
    // IPC, the stop message `morphlink up` sends: the same stop as SIGTERM, on every platform.
    const server = spawnMorphlink(['start'], env, { ipc: true });
    try {
      await waitFor200(server, `${baseUrl}/ready`, 30_000);
      const alice = api({ baseUrl }, await createUser(env, 'alice'));
      const link = await createLink(alice);

      const stoppedAt = Date.now();
      server.proc.send({ type: 'stop' });
      let ready = 200;
      while (ready === 200 && Date.now() - stoppedAt < 1_000) {
        ready = await status(`${baseUrl}/ready`);
        if (ready === 200) await delay(20);
      }
      assert.equal(ready, 503, 'readiness is off within a second of the stop');
      assert.ok(Date.now() - stoppedAt < 2_500, 'and well before the delay ends');
      // Still serving everything else while the load balancer takes it out.
      assert.equal((await visit({ baseUrl }, `/${link.code}`)).status, 302);
      assert.equal((await alice.get(`/api/links/${link.code}`)).status, 200);
      assert.equal(await status(`${baseUrl}/health`), 200);
      const body = (await (await fetch(`${baseUrl}/ready`)).json()) as { failing?: Record<string, string> };
      assert.deepEqual(body.failing, { process: 'shutting down' });

      const code = await server.exited(20_000);
      assert.equal(code, 0, server.output());
      assert.ok(Date.now() - stoppedAt >= 3_000, 'it served until the delay ended');
    } finally {
      if (server.proc.exitCode === null) server.proc.kill('SIGKILL');
    }
  });

  test('when SHUTDOWN_DELAY_MS is 0 (the default), then a stop is as quick as before', async () => {
    const scratch = await createScratch('sqlite');
    scratches.push(scratch);
    const { env, ports } = await targetEnv('monolith', scratch.databaseUrl, scratch.dir, 'drain-test-token');
    const server = spawnMorphlink(['start'], env, { ipc: true });
    try {
      await waitFor200(server, `http://127.0.0.1:${ports.gateway}/ready`, 30_000);
      const stoppedAt = Date.now();
      server.proc.send({ type: 'stop' });
      assert.equal(await server.exited(10_000), 0, server.output());
      assert.ok(Date.now() - stoppedAt < 3_000, `stopped in ${Date.now() - stoppedAt} ms`);
    } finally {
      if (server.proc.exitCode === null) server.proc.kill('SIGKILL');
    }
  });
});
