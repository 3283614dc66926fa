import assert from 'node:assert/strict';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, startTarget, type Target } from '../contract/harness.ts';
import { spawnMorphlink, until, waitFor200 } from './process.ts';

const SECRET = 'webhook-secret-for-the-test';

/** A receiver on 127.0.0.1 that answers 503 to the first POST (so the retry is exercised), then 200. */
async function startReceiver() {
  const received: { body: string; signature: string }[] = [];
  let calls = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      calls++;
      if (calls === 1) return void response.writeHead(503).end();
      received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(request.headers['x-morphlink-signature'] ?? '') });
      response.writeHead(204).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}/hook`, received, calls: () => calls, close: () => new Promise((r) => server.close(r)) };
}

/** What an outside system does: recompute the HMAC of the raw body and compare in constant time. */
function verifies(body: string, signature: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('morphlink autopilot against a real monolith', () => {
  let monolith: Target;
  let dir: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const token = randomBytes(16).toString('hex');

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, INTERNAL_TOKEN: token, LOG_LEVEL: 'info', AUTOPILOT_WINDOW_MS: '300', AUTOPILOT_WEBHOOK_URL: receiver.url, AUTOPILOT_WEBHOOK_SECRET: SECRET, ...extra };
    delete e.NODE_TEST_CONTEXT;
    return e;
  };
  const journal = async () => (await readFile(join(dir, 'autopilot', 'decisions.jsonl'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'morphlink-autopilot-'));
    receiver = await startReceiver();
    monolith = await startTarget({ db: 'sqlite', mode: 'monolith' });
    // A rule that always holds (the monolith answers) and one that scales: both decide in one window.
    await writeFile(join(dir, 'rules.json'), JSON.stringify([
      { name: 'tell-the-pipeline', when: { signal: 'up', op: '==', value: 1, for: 1 }, action: { type: 'webhook' }, cooldown: 0 },
      { name: 'scale-out', when: { signal: 'up', op: '>=', value: 1, for: 1 }, action: { type: 'scale', target: 0.5, min: 1, max: 3 }, cooldown: 0 },
    ]));
  });
  after(async () => {
    await monolith.dispose();
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('when run with --dry-run --once, then it decides and records both decisions as dry-run, and calls nobody', async () => {
    const run = spawnMorphlink(['autopilot', '--target', monolith.baseUrl, '--rules', join(dir, 'rules.json'), '--dry-run', '--once'], env());
    assert.equal(await run.exited(20_000), 0, run.output());
    const decisions = await journal();
    assert.deepEqual(decisions.map((d) => [d.rule, d.result]), [['tell-the-pipeline', 'dry-run'], ['scale-out', 'dry-run']]);
    assert.deepEqual(decisions[1]?.scale, { from: 1, to: 2 });
    assert.equal((decisions[0]?.signals as { up: number }).up, 1);
    assert.equal(receiver.calls(), 0, 'a dry run must not call the webhook');
    assert.equal((await fetch(`${monolith.baseUrl}/health`)).status, 200);
  });

  it('when run for real, then the webhook receiver gets the decision with a signature that verifies, after one retry', async () => {
    const run = spawnMorphlink(['autopilot', '--target', monolith.baseUrl, '--rules', join(dir, 'rules.json'), '--once'], env());
    assert.equal(await run.exited(20_000), 0, run.output());
    assert.equal(receiver.calls(), 2, 'the 503 is retried once');
    const [hook] = receiver.received;
    assert.ok(hook && verifies(hook.body, hook.signature), `signature ${hook?.signature} does not verify`);
    assert.equal((JSON.parse(hook.body) as { rule: string }).rule, 'tell-the-pipeline');
    assert.ok(!verifies(hook.body.replace('tell-the-pipeline', 'tell-the-pipelinE'), hook.signature), 'a changed body must not verify');
    const decisions = (await journal()).slice(2);
    assert.deepEqual(decisions.map((d) => [d.rule, d.result]), [['tell-the-pipeline', 'done'], ['scale-out', 'failed']]);
    assert.match(String(decisions[1]?.error), /no supervisor/);
  });

  it('when the rules file has a bad field, then the process stops with a message naming the rule and the field', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify([{ name: 'too-eager', when: { signal: 'latency_p99_ms', op: '>', value: 250, for: 0 }, action: { type: 'log' }, cooldown: 10 }]));
    const run = spawnMorphlink(['autopilot', '--target', monolith.baseUrl, '--rules', bad], env());
    assert.equal(await run.exited(20_000), 1, run.output());
    assert.match(run.output(), /rule "too-eager": field "when\.for"/);
  });

  it('when its target stops answering, then it reports up == 0, records the alert and keeps serving', async () => {
    const port = await freePort();
    // PORT: the API the autopilot checks an admin key against (the monolith it watches).
    const apiPort = new URL(monolith.baseUrl).port;
    const run = spawnMorphlink(['autopilot', '--target', monolith.baseUrl], env({ AUTOPILOT_PORT: String(port), PORT: apiPort }));
    try {
      await waitFor200(run, `http://127.0.0.1:${port}/health`, 20_000);
      const state = async () => {
        const response = await fetch(`http://127.0.0.1:${port}/api/autopilot`, { headers: { authorization: `Bearer ${token}` } });
        return (await response.json()) as { signals: { up: number } | null; decisions: { rule: string }[] };
      };
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/autopilot`)).status, 401, 'the API needs the token');
      // Or an admin's API key, checked against the API it watches; a user who is not admin gets 403.
      const asKey = (key: string) => fetch(`http://127.0.0.1:${port}/api/autopilot`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal((await asKey(await monolith.createUser('pilot-admin', { admin: true }))).status, 200);
      assert.equal((await asKey(await monolith.createUser('pilot-user'))).status, 403);
      assert.equal((await asKey('mlk_not-a-key')).status, 401);
      assert.ok(await until(async () => (await state()).signals?.up === 1, 10_000), 'up never became 1');
      await monolith.stop('SIGKILL');
      assert.ok(await until(async () => (await state()).signals?.up === 0, 10_000), 'up never became 0');
      // The decision is recorded once its action ran, a moment after the signals show the target down.
      assert.ok(await until(async () => (await state()).decisions.some((d) => d.rule === 'alert-target-down'), 5_000), 'no alert-target-down decision');
      assert.equal(run.proc.exitCode, null, 'the autopilot must keep running');
      assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /morphlink_autopilot_decisions_total\{rule="alert-target-down",action="log",result="done"/);
      assert.match(metrics, /morphlink_autopilot_targets_down\{[^}]*\} 1/);
    } finally {
      run.proc.kill('SIGTERM');
      await run.exited(10_000);
    }
  });
});
