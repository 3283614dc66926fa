// Click counting under bad input and faults, on real processes. The cases that send signals are POSIX-only.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createScratch } from '../contract/database.ts';
import { assertSettledTotal, createLink, eventually, readStats, runPool } from '../contract/fixtures.ts';
import { ROOT, createUser, startTarget, targetEnv } from '../contract/harness.ts';
import { CHROME_UA, api, visit } from '../contract/http.ts';
import { launchServer } from '../contract/server-process.ts';
import { startFleet } from './fleet.ts';

/** Every spool file under `dir` (recursively) with its events counted, by name relative to `dir`. */
function spoolFiles(dir: string): Map<string, number> {
  const files = new Map<string, number>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    if (!name.endsWith('.ndjson')) continue;
    const lines = readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean);
    const events = lines.reduce((n, l) => {
      const parsed = JSON.parse(l) as unknown[] | { events: unknown[] };
      return n + (Array.isArray(parsed) ? parsed.length : parsed.events.length);
    }, 0);
    files.set(name, events);
  }
  return files;
}

async function onPostgres(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

describe('click counting under bad input and faults (real processes)', () => {
  test('when one visit carries a 2,000-character User-Agent (microservices), then it and every later click count and no spool is left', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'morphlink-poison-'));
    const fleet = await startTarget({ mode: 'microservices', db: 'sqlite', env: { DATA_DIR: dataDir } });
    t.after(async () => {
      await fleet.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const alice = api(fleet, await fleet.createUser('alice'));
    const link = await createLink(alice);
    const poison = await visit(fleet, `/${link.code}`, { userAgent: `${CHROME_UA} ${'x'.repeat(2_000)}` });
    assert.equal(poison.status, 302);
    const n = 300;
    const answers = await runPool(n, 8, 60_000, () => visit(fleet, `/${link.code}`));
    assert.ok(answers.every((r) => r.status === 302));
    await assertSettledTotal(alice, link.code, n + 1);
    const left = [...spoolFiles(join(dataDir, 'spool'))].filter(([name, events]) => !name.includes('quarantine') && events > 0);
    assert.deepEqual(left, [], 'spool files still holding clicks');
  });

  test(
    'when analytics hangs (SIGSTOP) and the redirector is killed 2 s later, then no click is lost once analytics resumes (POSIX)',
    { skip: process.platform === 'win32' ? 'needs SIGSTOP' : false },
    async (t) => {
      const fleet = await startFleet({ db: 'sqlite' });
      let analyticsPid: number | null = null;
      t.after(async () => {
        try {
          if (analyticsPid) process.kill(analyticsPid, 'SIGCONT');
        } catch {
          // Already gone.
        }
        await fleet.dispose();
      });
      // The supervisor's control port opens just after the fleet reports healthy.
      const pidOf = (name: string) =>
        eventually(() => fleet.status().then((s) => s.processes.find((p) => p.name === name)?.pid ?? null, () => null), (pid) => pid !== null);
      const alice = api(fleet, await fleet.createUser('alice'));
      const link = await createLink(alice);
      analyticsPid = await pidOf('analytics');
      assert.ok(analyticsPid);
      process.kill(analyticsPid, 'SIGSTOP');
      const n = 300;
      const answers = await runPool(n, 8, 30_000, () => visit(fleet, `/${link.code}`));
      assert.ok(answers.every((r) => r.status === 302));
      await sleep(2_000);
      const redirectorPid = await pidOf('redirector');
      assert.ok(redirectorPid);
      process.kill(redirectorPid, 'SIGKILL');
      process.kill(analyticsPid, 'SIGCONT');
      // A respawned redirector on a loaded machine takes a few seconds before it replays its journal.
      await eventually(() => readStats(alice, link.code), (s) => s.total >= n, 60_000);
      await assertSettledTotal(alice, link.code, n);
    },
  );

  test('when a monolith without INTERNAL_TOKEN or VISITOR_SECRET restarts, then the same visitor stays one unique visitor', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'morphlink-visitor-'));
    const target = await startTarget({ mode: 'monolith', db: 'sqlite', env: { DATA_DIR: dataDir, INTERNAL_TOKEN: '', VISITOR_SECRET: '' } });
    t.after(async () => {
      await target.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const alice = api(target, await target.createUser('alice'));
    const link = await createLink(alice);
    assert.equal((await visit(target, `/${link.code}`)).status, 302);
    await assertSettledTotal(alice, link.code, 1);
    await target.restart();
    assert.equal((await visit(target, `/${link.code}`)).status, 302);
    await assertSettledTotal(alice, link.code, 2);
    assert.equal((await readStats(alice, link.code)).unique, 1);
    const secret = join(dataDir, 'visitor-secret');
    assert.ok(existsSync(secret), 'DATA_DIR/visitor-secret');
    if (process.platform !== 'win32') assert.equal(statSync(secret).mode & 0o777, 0o600);
  });

  test(
    'when the database refuses click writes and the monolith gets SIGTERM, then it spools them, exits 0, and the next start counts them (POSIX)',
    { skip: process.platform === 'win32' ? 'needs POSIX signals' : false },
    async (t) => {
      const scratch = await createScratch('postgres');
      const token = randomBytes(16).toString('hex');
      const { env, ports } = await targetEnv('monolith', scratch.databaseUrl, scratch.dir, token);
      const baseUrl = `http://127.0.0.1:${ports.gateway}`;
      const launch = () => launchServer(['bin/morphlink.js', 'start'], ROOT, env, baseUrl);
      let server = await launch();
      t.after(async () => {
        await server.stop('SIGKILL').catch(() => undefined);
        await scratch.remove();
      });
      const alice = api({ baseUrl }, await createUser(env, 'alice'));
      const link = await createLink(alice);
      // Another connection takes the click table away: every click write now fails.
      await onPostgres(scratch.databaseUrl, 'alter table click_events rename to click_events_away');
      const n = 400;
      const answers = await runPool(n, 8, 30_000, () => visit({ baseUrl }, `/${link.code}`));
      assert.ok(answers.every((r) => r.status === 302));

      assert.equal(await server.stop('SIGTERM'), 0, 'exit code after SIGTERM');
      const spooled = [...spoolFiles(join(scratch.dir, 'spool'))].reduce((sum, [, events]) => sum + events, 0);
      assert.equal(spooled, n, 'clicks in the monolith spool');

      await onPostgres(scratch.databaseUrl, 'alter table click_events_away rename to click_events');
      server = await launch();
      await assertSettledTotal(alice, link.code, n);
      const left = [...spoolFiles(join(scratch.dir, 'spool'))].filter(([, events]) => events > 0);
      assert.deepEqual(left, [], 'spool files still holding clicks after the restart');
    },
  );
});
