import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { after, describe, test } from 'node:test';
import { createScratch, type Scratch } from '../contract/database.ts';
import { assertSettledTotal, createLink, runPool } from '../contract/fixtures.ts';
import { createUser, targetEnv, type Ports } from '../contract/harness.ts';
import { api, visit } from '../contract/http.ts';
import { isGone, isListening, spawnMorphlink, until, waitFor200, type Spawned } from './process.ts';

const POSIX = process.platform !== 'win32';
const FLEET_START_MS = 90_000;

/** A scratch SQLite fleet's environment; LOG_LEVEL info so each child's "shutting down" line shows. */
async function fleetEnv(scratches: Scratch[]) {
  const scratch = await createScratch('sqlite');
  scratches.push(scratch);
  const token = randomBytes(24).toString('hex');
  const { env, ports } = await targetEnv('microservices', scratch.databaseUrl, scratch.dir, token);
  return { env: { ...env, LOG_LEVEL: 'info' }, ports, token };
}

async function up(env: NodeJS.ProcessEnv, ports: Ports, opts: { detached?: boolean } = {}): Promise<Spawned> {
  const fleet = spawnMorphlink(['up'], env, opts);
  await waitFor200(fleet, `http://127.0.0.1:${ports.gateway}/health`, FLEET_START_MS);
  // The control port opens just after the gateway is healthy.
  const headers = { authorization: `Bearer ${env.INTERNAL_TOKEN}` };
  const controlUp = await until(() => fetch(`http://127.0.0.1:${ports.supervisor}/status`, { headers }).then((r) => r.ok, () => false), 10_000);
  assert.ok(controlUp, 'the control port did not answer');
  return fleet;
}

/** The supervisor's children, as its control port lists them. */
const childProcesses = async (ports: Ports, token: string) => {
  const res = await fetch(`http://127.0.0.1:${ports.supervisor}/status`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { processes: { name: string; pid: number | null; state: string }[] }).processes;
};

const childPids = async (ports: Ports, token: string): Promise<number[]> =>
  (await childProcesses(ports, token)).map((p) => p.pid).filter((p): p is number => p !== null);

const servicePorts = (ports: Ports) => [ports.gateway, ports.auth, ports.links, ports.analytics, ports.redirector];

/** Which service logged "shutting down", in the order the lines appear. */
const shutdownOrder = (output: string) =>
  output
    .split('\n')
    .filter((l) => l.includes('"shutting down"'))
    .map((l) => /^\[([a-z]+)/.exec(l)?.[1] ?? '?');

describe('the supervisor (morphlink up) and its children', () => {
  const scratches: Scratch[] = [];
  const leftovers: number[] = [];
  after(async () => {
    // Whatever a failing run left behind must not hold ports for the next test file.
    for (const pid of leftovers) if (!isGone(pid)) process.kill(pid, 'SIGKILL');
    await Promise.all(scratches.map((s) => s.remove()));
  });

  test('when up is SIGKILLed, then every child stops within 5 s (POSIX-only signal)', { skip: !POSIX && 'SIGKILL is POSIX' }, async () => {
    const { env, ports, token } = await fleetEnv(scratches);
    const fleet = await up(env, ports);
    const pids = await childPids(ports, token);
    leftovers.push(...pids);
    assert.equal(pids.length, 5);
    fleet.proc.kill('SIGKILL');
    await fleet.exited(5_000);
    const gone = await until(() => pids.every(isGone), 5_000);
    assert.ok(gone, `children still alive 5 s after up died: ${pids.filter((p) => !isGone(p)).join(', ')}`);
    for (const port of servicePorts(ports)) assert.equal(await isListening(port), false, `port ${port} still listening`);
  });

  test('when a foreign server holds the links port, then up fails naming links and leaves no child listening', async () => {
    const { env, ports } = await fleetEnv(scratches);
    // It even claims to be links: only the fleet's instance id may pass the health check.
    const foreign = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok","service":"links"}'));
    await new Promise<void>((resolve) => foreign.listen(ports.links, '127.0.0.1', resolve));
    try {
      const fleet = spawnMorphlink(['up'], env);
      const code = await fleet.exited(45_000);
      if (code === 'timeout') fleet.proc.kill('SIGTERM');
      assert.notEqual(code, 'timeout', 'up kept running with a foreign server on the links port');
      assert.notEqual(code, 0);
      assert.match(fleet.output(), /links .*(EADDRINUSE|in use)/);
      for (const port of [ports.gateway, ports.auth, ports.analytics, ports.redirector]) {
        assert.equal(await until(async () => !(await isListening(port)), 5_000), true, `port ${port} still listening`);
      }
    } finally {
      foreign.close();
    }
  });

  test('when the control port is called without the fleet token, then 401 problem+json and nothing changes', async () => {
    const { env, ports, token } = await fleetEnv(scratches);
    const fleet = await up(env, ports);
    try {
      const control = `http://127.0.0.1:${ports.supervisor}`;
      const status = await fetch(`${control}/status`);
      assert.equal(status.status, 401);
      assert.match(status.headers.get('content-type') ?? '', /application\/problem\+json/);
      const wrong = await fetch(`${control}/status`, { headers: { authorization: 'Bearer not-the-token' } });
      assert.equal(wrong.status, 401);
      const scale = await fetch(`${control}/replicas`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"redirector":2}' });
      assert.equal(scale.status, 401);
      const ok = await fetch(`${control}/status`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200);
      assert.equal(((await ok.json()) as { replicas: { redirector: number } }).replicas.redirector, 1);
    } finally {
      fleet.proc.kill('SIGTERM');
      await fleet.exited(30_000);
    }
  });

  test(
    'when the supervisor’s process group gets SIGINT (Ctrl-C), then it stops the children in order, respawns none, and every click is counted after up again (POSIX)',
    { skip: !POSIX && 'process groups are POSIX' },
    async () => {
      const { env, ports, token } = await fleetEnv(scratches);
      const fleet = await up(env, ports, { detached: true });
      leftovers.push(...(await childPids(ports, token)));
      const gateway = { baseUrl: `http://127.0.0.1:${ports.gateway}` };
      const alice = api(gateway, await createUser(env, 'alice'));
      const link = await createLink(alice);
      const statuses = await runPool(200, 8, 30_000, async () => (await visit(gateway, `/${link.code}`)).status);
      assert.deepEqual([...new Set(statuses)], [302]);

      process.kill(-fleet.proc.pid!, 'SIGINT');
      assert.equal(await fleet.exited(60_000), 0, fleet.output());
      assert.doesNotMatch(fleet.output(), /restarting/, 'a child was respawned during shutdown');
      assert.deepEqual(shutdownOrder(fleet.output()), ['gateway', 'redirector', 'links', 'analytics', 'auth'], fleet.output());

      const again = await up(env, ports);
      try {
        await assertSettledTotal(alice, link.code, 200);
        // With the clicks in analytics' rollups, a redirector started now (the supervisor respawns
        // the one stopped) asks analytics over HTTP for the links clicked lately and loads this one
        // (CACHE_WARM_HOURS). One started with the fleet may have asked before its journal's
        // replayed clicks were rolled up.
        const redirectorPid = async () =>
          (await childProcesses(ports, token)).find((p) => p.name === 'redirector' && p.state === 'running')?.pid ?? null;
        const old = await redirectorPid();
        assert.ok(old !== null);
        process.kill(old, 'SIGTERM');
        const warmed = async () =>
          Number(/^morphlink_link_cache_warmed_total(?:\{[^}]*\})? (\d+)/m.exec(await fetch(`http://127.0.0.1:${ports.redirector}/metrics`).then((r) => r.text(), () => ''))?.[1] ?? -1);
        const respawned = async () => ((await redirectorPid().catch(() => null)) ?? old) !== old;
        assert.ok(await until(async () => (await respawned()) && (await warmed()) === 1, 30_000), `the respawned redirector warmed ${await warmed()} links, not the 1 clicked`);
      } finally {
        again.proc.kill('SIGTERM');
        await again.exited(30_000);
      }
    },
  );

  test('when a service is sent {type:"stop"} over IPC, then it shuts down gracefully, flushing its clicks', async () => {
    const { env: fleetEnvVars, ports } = await fleetEnv(scratches);
    // The monolith shares serve() with every service, and its buffered clicks show the flush.
    const env = { ...fleetEnvVars, MODE: 'monolith' };
    const baseUrl = `http://127.0.0.1:${ports.gateway}`;
    const start = async () => {
      const server = spawnMorphlink(['start'], env, { ipc: true });
      await waitFor200(server, `${baseUrl}/health`, 30_000);
      return server;
    };
    const server = await start();
    const alice = api({ baseUrl }, await createUser(env, 'alice'));
    const link = await createLink(alice);
    for (let i = 0; i < 5; i++) assert.equal((await visit({ baseUrl }, `/${link.code}`)).status, 302);
    server.proc.send({ type: 'stop' });
    const code = await server.exited(15_000);
    if (code === 'timeout') server.proc.kill('SIGKILL');
    assert.equal(code, 0, server.output());
    assert.match(server.output(), /"signal":"ipc"/);
    const again = await start();
    try {
      await assertSettledTotal(alice, link.code, 5);
    } finally {
      again.proc.kill('SIGKILL');
      await again.exited(10_000);
    }
  });

  test('when a supervised service loses its IPC channel (its supervisor died), then it exits on its own', async () => {
    const { env, ports } = await fleetEnv(scratches);
    const server = spawnMorphlink(['start'], { ...env, MODE: 'monolith' }, { ipc: true });
    await waitFor200(server, `http://127.0.0.1:${ports.gateway}/health`, 30_000);
    server.proc.disconnect();
    const code = await server.exited(15_000);
    if (code === 'timeout') server.proc.kill('SIGKILL');
    assert.equal(code, 0, server.output());
  });
});
