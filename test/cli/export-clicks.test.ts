import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createScratch, type Scratch } from '../contract/database.ts';
import { eventually } from '../contract/fixtures.ts';
import { createUser, freePort, ROOT } from '../contract/harness.ts';
import { api, GOOGLEBOT_UA, visit } from '../contract/http.ts';
import { launchServer } from '../contract/server-process.ts';
import { assertOneLine, cliEnv, morphlink } from './run.ts';

const HEADER = 'time,country,referrer,browser,os,device,bot,visitor\r\n';

describe('morphlink export clicks, on a scratch SQLite database clicked through a real server', () => {
  let scratch: Scratch;
  let env: NodeJS.ProcessEnv;
  let code = '';
  const http: { csv?: string; ndjson?: string } = {};

  before(async () => {
    scratch = await createScratch('sqlite');
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    env = cliEnv(scratch.databaseUrl, { PORT: String(port), BASE_URL: baseUrl, DATA_DIR: scratch.dir, HOST: '127.0.0.1' });
    const alice = api({ baseUrl }, await createUser(env, 'alice'));
    await createUser(env, 'bob');
    const server = await launchServer([join(ROOT, 'bin', 'morphlink.js'), 'start'], ROOT, env, baseUrl);
    try {
      const created = await alice.post<{ code: string }>('/api/links', { url: 'https://example.com/cli-export' });
      assert.equal(created.status, 201, created.text);
      code = created.body.code;
      // A few ms apart, so the range test has four distinct times.
      for (let i = 0; i < 3; i++) {
        await visit({ baseUrl }, `/r/${code}`, { referrer: 'https://news.example.com/a' });
        await sleep(15);
      }
      await visit({ baseUrl }, `/r/${code}`, { userAgent: GOOGLEBOT_UA });
      const settled = await eventually(
        async () => (await alice.get<{ total: number; bots: number }>(`/api/links/${code}/stats`)).body,
        (s) => s.total >= 3 && s.bots >= 1,
      );
      assert.deepEqual([settled.total, settled.bots], [3, 1]);
      http.csv = (await alice.get(`/api/links/${code}/clicks.csv`)).text;
      http.ndjson = (await alice.get(`/api/links/${code}/clicks.ndjson`)).text;
    } finally {
      await server.stop('SIGTERM');
    }
  });
  after(async () => scratch?.remove());

  test('when a link has clicks, then the CSV on stdout is the one GET /api/links/:code/clicks.csv answers', async () => {
    const run = await morphlink(['export', 'clicks', code, '--user', 'alice'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.startsWith(HEADER), run.stdout.slice(0, 200));
    const rows = run.stdout.slice(HEADER.length).split('\r\n').filter(Boolean);
    assert.equal(rows.length, 4, run.stdout);
    assert.equal(rows.filter((r) => r.includes(',news.example.com,') && r.includes(',false,')).length, 3, run.stdout);
    assert.equal(run.stdout, http.csv);
  });

  test('when --format ndjson and a range are given, then the NDJSON lines are the HTTP ones, filtered', async () => {
    const all = await morphlink(['export', 'clicks', code, '--user', 'alice', '--format', 'ndjson'], env);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, http.ndjson);
    const times = all.stdout.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { time: string }).time).sort();
    const ranged = await morphlink(['export', 'clicks', code, '--user', 'alice', '--format', 'ndjson', '--from', times[1]!, '--to', times[2]!], env);
    assert.equal(ranged.code, 0, ranged.stderr);
    assert.deepEqual(ranged.stdout.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { time: string }).time).sort(), [times[1], times[2]]);
    const future = await morphlink(['export', 'clicks', code, '--user', 'alice', '--from', '2999-01-01T00:00:00Z'], env);
    assert.equal(future.stdout, HEADER);
  });

  test('when the code is another user’s, then exit 1 with one line saying the link is not found, and nothing on stdout', async () => {
    const run = await morphlink(['export', 'clicks', code, '--user', 'bob'], env);
    assert.equal(run.code, 1, run.stderr);
    assert.ok(assertOneLine(run.stderr), run.stderr);
    assert.match(run.stderr, /No link with code/);
    assert.equal(run.stdout, '');
  });

  for (const args of [[], ['--user', 'alice', '--format', 'xml'], ['--user', 'alice', '--from', 'yesterday']]) {
    test(`when \`export clicks <code> ${args.join(' ')}\` is misused, then exit 2 with one line naming the problem`, async () => {
      const run = await morphlink(['export', 'clicks', code, ...args], env);
      assert.equal(run.code, 2, run.stderr);
      assert.ok(assertOneLine(run.stderr), run.stderr);
      assert.match(run.stderr, /--user|--format|--from/);
      assert.equal(run.stdout, '');
    });
  }
});
