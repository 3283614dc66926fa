import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import autocannon from 'autocannon';
import { assertSettledTotal, createLink } from '../contract/fixtures.ts';
import { freePort, startTarget, type Target } from '../contract/harness.ts';
import { api, CHROME_UA } from '../contract/http.ts';
import { control, metric } from './fleet.ts';
import { until } from './process.ts';

// Low thresholds so a small bounded load (300 redirects a second for 15 s) is "a lot".
const RULES = [
  { name: 'scale-out', when: { signal: 'redirect_rate_per_replica', op: '>', value: 50, for: 2 }, action: { type: 'scale', target: 50, min: 1, max: 2 }, cooldown: 5 },
  { name: 'scale-in', when: { signal: 'redirect_rate_per_replica', op: '<', value: 5, for: 3 }, action: { type: 'scale', target: 50, min: 1, max: 2, stabilisation: 5 }, cooldown: 5 },
];
const LOAD = { rate: 300, amount: 4_500 };

interface Status { processes: { name: string; port: number; state: string }[]; replicas: { redirector: number } }
interface Recorded { rule: string; result: string; scale?: { from: number; to: number }; signals: Record<string, number | null> }

describe('morphlink up --autopilot under a bounded load', () => {
  let fleet: Target;
  let dir: string;
  let autopilotPort: number;
  const status = async () => (await (await control(fleet, 'GET', '/status')).json()) as Status;
  const redirectorPorts = async () => (await status()).processes.filter((p) => p.name === 'redirector').map((p) => p.port);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'morphlink-autopilot-fleet-'));
    autopilotPort = await freePort();
    await writeFile(join(dir, 'rules.json'), JSON.stringify(RULES));
    fleet = await startTarget({
      db: 'sqlite',
      mode: 'microservices',
      upArgs: ['--autopilot'],
      env: { DATA_DIR: dir, AUTOPILOT_PORT: String(autopilotPort), AUTOPILOT_RULES: join(dir, 'rules.json'), AUTOPILOT_WINDOW_MS: '1000', LOG_LEVEL: 'warn' },
    });
  });
  after(async () => {
    await fleet?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('when load crosses the threshold, then it scales the redirector 1 → 2, both serve, then back to 1 once quiet; both decisions are logged; every click is counted', async (t) => {
    // The control port opens just after the gateway is healthy, and the autopilot after it.
    const autopilotUp = () => fetch(`http://127.0.0.1:${autopilotPort}/health`).then((r) => r.ok, () => false);
    assert.ok(await until(autopilotUp, 30_000), 'the autopilot never answered /health');
    assert.ok((await status()).processes.some((p) => p.name === 'autopilot' && p.state === 'running'));
    const client = api(fleet, await fleet.createUser('pilot'));
    const link = await createLink(client);

    let redirects = 0;
    const load = new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        { url: `${fleet.baseUrl}/${link.code}`, connections: 8, overallRate: LOAD.rate, amount: LOAD.amount, headers: { 'user-agent': CHROME_UA } },
        (error: unknown, result) => (error ? reject(error as Error) : resolve(result)),
      );
      instance.on('response', (_client, statusCode) => {
        if (statusCode === 302) redirects++;
      });
    });
    assert.ok(await until(async () => (await status()).replicas.redirector === 2, 12_000), 'it did not scale out while under load');
    const ports = await redirectorPorts();
    assert.equal(ports.length, 2);
    await load;
    assert.equal(redirects, LOAD.amount, 'every request of the bounded load was redirected');
    // Both replicas served part of the load (the gateway balances across them).
    for (const port of ports) assert.ok((await metric(port, 'morphlink_redirects_total', 'status="302"')) > 0, `replica ${port} served nothing`);

    assert.ok(await until(async () => (await status()).replicas.redirector === 1, 20_000), 'it did not scale back in once quiet');
    const read = async () => (await readFile(join(dir, 'autopilot', 'decisions.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Recorded);
    // The decision is appended once PUT /replicas has answered, a moment after the status shows it.
    await until(async () => (await read()).some((d) => d.rule === 'scale-in'), 5_000);
    const journal = await read();
    const out = journal.find((d) => d.rule === 'scale-out');
    const back = journal.find((d) => d.rule === 'scale-in');
    assert.deepEqual([out?.scale, out?.result], [{ from: 1, to: 2 }, 'done'], JSON.stringify(journal));
    assert.deepEqual([back?.scale, back?.result], [{ from: 2, to: 1 }, 'done'], JSON.stringify(journal));
    assert.ok((out?.signals.redirect_rate_per_replica ?? 0) > 50, 'the scale-out records the signal that triggered it');
    assert.ok((back?.signals.redirect_rate_per_replica ?? Infinity) < 5);
    t.diagnostic(`decisions: ${JSON.stringify([out, back])}`);
    // None lost while scaling: the stats count every redirect of the run.
    await assertSettledTotal(client, link.code, LOAD.amount);
  });

  it('when an admin’s dashboard asks the gateway for /api/autopilot, then the autopilot answers its signals; a plain user gets 403', async () => {
    await fleet.createUser('pilot-admin', { admin: true, password: 'admin password' });
    await fleet.createUser('pilot-user', { password: 'user password' });
    const cookieFor = async (name: string, password: string) => {
      const login = await fetch(`${fleet.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
      assert.equal(login.status, 200);
      return /^(morphlink_session=[^;]*)/.exec(login.headers.get('set-cookie') ?? '')?.[1] ?? '';
    };
    const asAdmin = await fetch(`${fleet.baseUrl}/api/autopilot`, { headers: { cookie: await cookieFor('pilot-admin', 'admin password') } });
    assert.equal(asAdmin.status, 200);
    const snapshot = (await asAdmin.json()) as { signals: object | null; rules: unknown[]; decisions: { rule: string }[] };
    assert.ok(snapshot.rules.length > 0);
    assert.ok(snapshot.decisions.some((d) => d.rule === 'scale-out'), 'the decisions of the run above');
    assert.equal((await fetch(`${fleet.baseUrl}/api/autopilot`, { headers: { cookie: await cookieFor('pilot-user', 'user password') } })).status, 403);
    assert.equal((await fetch(`${fleet.baseUrl}/api/autopilot`)).status, 401);
  });
});
