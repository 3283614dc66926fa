import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { parse } from 'yaml';
import { SETTINGS } from '../../src/common/config.table.ts';
import { createScratch, type Scratch } from '../contract/database.ts';
import { createUser, ROOT, type Target } from '../contract/harness.ts';
import { smokeCases } from '../contract/smoke.cases.ts';
import { createSuite } from '../contract/suite.ts';
import { readCompose, readEnvFile, startOrder, type ComposeService } from './compose-file.ts';
import { spawnMorphlink, waitFor200, type Spawned } from './process.ts';

// compose.yaml is proven without containers: docker-compose validates it, then each service's own
// command runs as a process on 127.0.0.1 with the environment the file gives it, on the same
// ports, against this machine's PostgreSQL and Redis, and the contract suite's smoke cases run
// through its gateway. Only what a container would change is translated: a service's host name is
// 127.0.0.1, `postgres` and `redis` are this machine's, each /data volume is a directory.

const COMPOSE = join(ROOT, 'compose.yaml');
const ENV_EXAMPLE = join(ROOT, '.env.example');
/** The images compose runs that are not MorphLink: here, the machine's own servers. */
const STORES = ['postgres', 'redis'];
const CONFIG_VARIABLES = new Set(SETTINGS.map((s) => s.env));

const vars = readEnvFile(ENV_EXAMPLE);
const { services } = readCompose(COMPOSE, vars);
const morphlinkServices = (profile: string | null) =>
  Object.keys(services).filter((name) => !STORES.includes(name) && (profile === null ? !services[name]?.profiles : services[name]?.profiles?.includes(profile)));

function dockerCompose(args: string[]): { status: number | null; stdout: string; stderr: string } | null {
  const found = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
  if (found.error) return null;
  return spawnSync('docker-compose', ['--env-file', ENV_EXAMPLE, '-f', COMPOSE, ...args], { cwd: ROOT, encoding: 'utf8' });
}

describe('compose.yaml, as a file', () => {
  it('when docker-compose reads it, then it is valid and resolves every service as this test runs it', (t) => {
    const resolved = dockerCompose(['--profile', 'monolith', 'config']);
    if (resolved === null) return t.skip('docker-compose is not installed here (.ci/run installs it)');
    assert.equal(resolved.status, 0, resolved.stderr);
    const theirs = (parse(resolved.stdout) as { services: Record<string, ComposeService> }).services;
    assert.deepEqual(Object.keys(theirs).sort(), Object.keys(services).sort());
    for (const [name, service] of Object.entries(services)) {
      const their = theirs[name] as ComposeService;
      assert.deepEqual(their.command, service.command, `${name}: command`);
      assert.deepEqual(their.environment, service.environment, `${name}: environment`);
      assert.deepEqual(their.healthcheck?.test, service.healthcheck?.test, `${name}: healthcheck`);
      assert.deepEqual(Object.keys(their.depends_on ?? {}).sort(), Object.keys(service.depends_on ?? {}).sort(), `${name}: depends_on`);
    }
  });

  it('when a required secret is missing from .env, then docker-compose refuses to start, naming it', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'morphlink-env-'));
    try {
      const empty = join(dir, '.env');
      writeFileSync(empty, 'LOG_LEVEL=info\n');
      const missing = spawnSync('docker-compose', ['--env-file', empty, '-f', COMPOSE, 'config'], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH } });
      if (missing.error) return t.skip('docker-compose is not installed here (.ci/run installs it)');
      assert.notEqual(missing.status, 0);
      assert.match(missing.stderr, /INTERNAL_TOKEN|POSTGRES_PASSWORD|VISITOR_SECRET/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when its services are read, then each MorphLink one runs a real command with real settings, has a health check, and only the gateway and the monolith publish a port', () => {
    const fleet = morphlinkServices(null);
    assert.deepEqual(fleet.sort(), ['analytics', 'auth', 'gateway', 'links', 'redirector-1', 'redirector-2']);
    for (const name of [...fleet, ...morphlinkServices('monolith')]) {
      const service = services[name] as ComposeService;
      assert.ok(service.command?.[0] === 'serve' || service.command?.[0] === 'start', `${name}: ${service.command}`);
      for (const variable of Object.keys(service.environment ?? {})) assert.ok(CONFIG_VARIABLES.has(variable), `${name}: ${variable} is not a MorphLink setting`);
      assert.equal(service.healthcheck?.test[0], 'CMD', name);
      assert.equal(Boolean(service.ports), name === 'gateway' || name === 'monolith', `${name}: ports ${service.ports}`);
    }
    for (const store of STORES) assert.ok(services[store]?.healthcheck, `${store}: health check`);
    // The redirectors journal and spool clicks: each its own volume, each its own port.
    const [one, two] = [services['redirector-1'], services['redirector-2']] as ComposeService[];
    assert.notDeepEqual(one?.volumes, two?.volumes);
    assert.notEqual(one?.environment?.REDIRECTOR_PORT, two?.environment?.REDIRECTOR_PORT);
  });

  it('when the secrets are read, then they come from .env, never written in the file', () => {
    const text = readFileSync(COMPOSE, 'utf8');
    for (const secret of ['INTERNAL_TOKEN', 'POSTGRES_PASSWORD', 'VISITOR_SECRET']) {
      assert.match(text, new RegExp(`\\$\\{${secret}:\\?`), `${secret} is required from .env`);
      assert.ok(vars[secret], `.env.example has ${secret}`);
    }
  });
});

/** One service's environment, translated from a container to this machine (see the comment at the top). */
function localEnvironment(name: string, databaseUrl: string, dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Nothing of the test runner's own configuration may leak in: only what the file says.
  for (const variable of CONFIG_VARIABLES) delete env[variable];
  delete env.NODE_TEST_CONTEXT;
  for (const [variable, value] of Object.entries(services[name]?.environment ?? {})) {
    let local = value;
    for (const host of Object.keys(services)) local = local.replaceAll(`//${host}:`, '//127.0.0.1:');
    if (variable === 'DATABASE_URL' && value.startsWith('postgres:')) {
      assert.match(value, /@postgres:5432\//, `${name}: DATABASE_URL points at the postgres service`);
      local = databaseUrl;
    }
    if (variable === 'REDIS_URL') assert.equal(value, 'redis://redis:6379', `${name}: REDIS_URL points at the redis service`);
    if (variable === 'HOST') local = '127.0.0.1';
    if (variable === 'DATA_DIR') local = dataDir;
    if (variable === 'DATABASE_URL' && value.startsWith('sqlite:')) local = `sqlite:${join(dataDir, 'morphlink.db')}`;
    if (variable === 'BASE_URL') local = 'http://127.0.0.1:8000';
    env[variable] = local;
  }
  return env;
}

/** Runs a service's compose health check (`["CMD", …]`) until it passes, as `condition: service_healthy` waits. */
async function healthy(name: string, process_: Spawned, timeoutMs: number): Promise<void> {
  const [kind, executable, ...args] = services[name]?.healthcheck?.test ?? [];
  assert.equal(kind, 'CMD');
  assert.equal(executable, 'node', `${name}: the health check runs node (the image has no curl)`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process_.proc.exitCode !== null) throw new Error(`${name} exited with ${process_.proc.exitCode}\n${process_.output()}`);
    const code = await new Promise<number | null>((resolve) =>
      execFile(process.execPath, args, { cwd: ROOT, timeout: 5_000 }, (error) => resolve(error ? (typeof error.code === 'number' ? error.code : 1) : 0)),
    );
    if (code === 0) return;
    await delay(200);
  }
  throw new Error(`${name}: its health check did not pass within ${timeoutMs} ms\n${process_.output()}`);
}

/** The services of a profile started in depends_on order, each once its dependencies are healthy; a Target over its gateway. */
async function startFromCompose(profile: string | null, database: 'postgres' | 'sqlite'): Promise<Target> {
  const scratch: Scratch = await createScratch(database);
  const dataRoot = mkdtempSync(join(tmpdir(), 'morphlink-compose-'));
  const running: { name: string; process: Spawned; env: NodeJS.ProcessEnv }[] = [];
  const dispose = async () => {
    for (const { process: child } of running.reverse()) {
      if (child.proc.exitCode === null) child.proc.send({ type: 'stop' });
      if ((await child.exited(20_000)) === 'timeout') child.proc.kill('SIGKILL');
    }
    rmSync(dataRoot, { recursive: true, force: true });
    await scratch.remove();
  };
  try {
    for (const name of startOrder(services, morphlinkServices(profile))) {
      const env = localEnvironment(name, scratch.databaseUrl, join(dataRoot, name));
      const child = spawnMorphlink(services[name]?.command ?? [], env, { ipc: true });
      running.push({ name, process: child, env });
      await healthy(name, child, 60_000);
    }
    const entry = running.find((r) => r.name === 'gateway' || r.name === 'monolith');
    assert.ok(entry, 'a gateway or a monolith');
    const baseUrl = 'http://127.0.0.1:8000';
    await waitFor200(entry.process, `${baseUrl}/ready`, 60_000);
    const auth = running.find((r) => r.name === 'auth') ?? entry;
    const port = (variable: string) => Number(entry.env[variable] ?? 0);
    return {
      baseUrl,
      eventsUrl: profile === 'monolith' ? baseUrl : `http://127.0.0.1:${port('ANALYTICS_PORT')}`,
      internalToken: vars.INTERNAL_TOKEN ?? '',
      ports: { gateway: 8000, auth: port('AUTH_PORT'), links: port('LINKS_PORT'), redirector: port('REDIRECTOR_PORT'), analytics: port('ANALYTICS_PORT'), supervisor: 0 },
      dataDir: dataRoot,
      // The admin command run where compose runs it: `docker compose exec auth node bin/morphlink.js user create …`.
      createUser: (name, options) => createUser(auth.env, name, options),
      stop: async () => {
        throw new Error('the smoke cases never stop the compose fleet');
      },
      restart: async () => {
        throw new Error('the smoke cases never restart the compose fleet');
      },
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

for (const [label, profile, database] of [
  ['the fleet (PostgreSQL, Redis, every service, two redirectors, the gateway)', null, 'postgres'],
  ['the monolith profile (SQLite on its volume)', 'monolith', 'sqlite'],
] as const) {
  describe(`compose.yaml run without containers: ${label}`, () => {
    const suite = createSuite({ db: database, mode: profile === 'monolith' ? 'monolith' : 'microservices' }, () => startFromCompose(profile, database));
    before(() => suite.start(), { timeout: 180_000 });
    after(() => suite.dispose(), { timeout: 120_000 });
    smokeCases(suite);
  });
}
