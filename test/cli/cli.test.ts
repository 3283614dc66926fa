import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createScratch, type Scratch } from '../contract/database.ts';
import { freePort, ROOT } from '../contract/harness.ts';
import { assertOneLine, cliEnv, morphlink } from './run.ts';

const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('the command line, on a scratch SQLite database', () => {
  let scratch: Scratch;
  let env: NodeJS.ProcessEnv;
  const users = async () => JSON.parse((await morphlink(['user', 'list', '--json'], env)).stdout) as { users: { name: string; isAdmin: boolean; hasPassword: boolean }[] };

  before(async () => {
    scratch = await createScratch('sqlite');
    // A free port: if a command wrongly started the server, it must not collide with anything.
    env = cliEnv(scratch.databaseUrl, { PORT: String(await freePort()) });
  });
  after(async () => scratch?.remove());

  test('when --admin=false is given, then exit 2 with one line and no user, admin or not, is created', async () => {
    const run = await morphlink(['user', 'create', 'dave', '--admin=false'], env);
    assert.equal(run.code, 2, run.stderr);
    assert.ok(assertOneLine(run.stderr), run.stderr);
    assert.match(run.stderr, /--admin/);
    assert.deepEqual((await users()).users, []);
  });

  for (const args of [['user', 'create', 'erin', '--admn'], ['user', 'create', 'erin', 'extra'], ['key', 'revoke'], ['up', '--replicas', 'x'], ['serve', 'nope'], ['frob']]) {
    test(`when \`morphlink ${args.join(' ')}\` is misused, then exit 2 with one clear line naming the problem`, async () => {
      const run = await morphlink(args, env);
      assert.equal(run.code, 2, `${run.stdout}\n${run.stderr}`);
      assert.ok(assertOneLine(run.stderr), run.stderr);
      assert.match(run.stderr, /--admn|extra|missing argument|--replicas|nope|frob/);
    });
  }

  test('when --version is given, then it prints the version and exits instead of starting the server', async () => {
    const run = await morphlink(['--version'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), version);
  });

  test('when help or a command’s --help is asked for, then the usage is printed and the exit is 0', async () => {
    const overview = await morphlink(['help'], env);
    assert.equal(overview.code, 0);
    for (const command of ['user list', 'user delete', 'key list', 'key create', 'key revoke', 'migrate', 'up']) assert.match(overview.stdout, new RegExp(command));
    for (const command of [['user', 'create'], ['key', 'list'], ['up'], ['serve'], ['migrate'], ['start']]) {
      const run = await morphlink([...command, '--help'], env);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Usage: morphlink ${command.join(' ')}`));
    }
  });

  test('when --json is given and the command fails, then the error is one JSON object', async () => {
    const missing = await morphlink(['key', 'create', 'nobody', '--json'], env);
    assert.equal(missing.code, 1);
    assert.deepEqual(JSON.parse(missing.stdout), { error: { code: 'USER_NOT_FOUND', message: 'No user named nobody.' } });
    const misuse = await morphlink(['user', 'create', 'x', '--admn', '--json'], env);
    assert.equal(misuse.code, 2);
    assert.equal((JSON.parse(misuse.stdout) as { error: { code: string } }).error.code, 'USAGE');
  });

  test('when users and keys are created, listed, revoked and deleted, then each step shows and the prefix printed is the one revoke takes', async () => {
    const created = await morphlink(['user', 'create', 'alice', '--admin'], env);
    assert.equal(created.code, 0, created.stderr);
    const prefix = /Key prefix \(for morphlink key revoke\): (mlk_\S+)/.exec(created.stdout)?.[1];
    assert.ok(prefix, created.stdout);
    const second = JSON.parse((await morphlink(['key', 'create', 'alice', '--json'], env)).stdout) as { prefix: string; apiKey: string };
    assert.ok(second.apiKey.startsWith(second.prefix));
    assert.equal((await morphlink(['user', 'create', 'bob'], env)).code, 0);
    assert.deepEqual((await users()).users.map((u) => [u.name, u.isAdmin]), [['alice', true], ['bob', false]]);

    assert.equal((await morphlink(['key', 'revoke', prefix], env)).code, 0);
    const keys = JSON.parse((await morphlink(['key', 'list', 'alice', '--json'], env)).stdout) as { keys: { prefix: string; revokedAt: string | null }[] };
    assert.deepEqual(keys.keys.map((k) => [k.prefix, k.revokedAt === null]).sort(), [[prefix, false], [second.prefix, true]].sort());
    assert.match((await morphlink(['key', 'list'], env)).stdout, /bob/);

    const deleted = await morphlink(['user', 'delete', 'bob'], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual((await users()).users.map((u) => u.name), ['alice']);
    assert.equal((await morphlink(['user', 'delete', 'bob'], env)).code, 1, 'deleting a missing user fails');
  });

  test('when a password is piped in with --password-stdin, then the user has one; user password changes or removes it', async () => {
    const created = await morphlink(['user', 'create', 'carol', '--password-stdin'], env, ROOT, 'a long enough secret\n');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /with a password/);
    assert.doesNotMatch(created.stdout + created.stderr, /a long enough secret/);
    const hasPassword = async (name: string) => (await users()).users.find((u) => u.name === name)?.hasPassword;
    assert.equal(await hasPassword('carol'), true);

    assert.equal((await morphlink(['user', 'password', 'carol', '--remove'], env)).code, 0);
    assert.equal(await hasPassword('carol'), false);
    const set = await morphlink(['user', 'password', 'carol', '--password-stdin'], env, ROOT, 'another good one');
    assert.equal(set.code, 0, set.stderr);
    assert.equal(await hasPassword('carol'), true);
  });

  test('when a password is too short, or asked for without a terminal, then exit 1 with one line and nothing is created', async () => {
    const short = await morphlink(['user', 'create', 'dora', '--password-stdin'], env, ROOT, 'short\n');
    assert.equal(short.code, 1, short.stdout);
    assert.ok(assertOneLine(short.stderr), short.stderr);
    assert.match(short.stderr, /8 to 1024 characters/);
    const noTerminal = await morphlink(['user', 'create', 'dora', '--password'], env, ROOT, '');
    assert.equal(noTerminal.code, 1);
    assert.match(noTerminal.stderr, /--password-stdin/);
    assert.equal((await users()).users.some((u) => u.name === 'dora'), false);
    const both = await morphlink(['user', 'password', 'carol', '--password', '--remove'], env, ROOT, '');
    assert.equal(both.code, 2, both.stderr);
  });

  test('when AUTH_MODE=header, then user create and key create refuse with a message and create nothing', async () => {
    const header = { ...env, AUTH_MODE: 'header' };
    const before = (await users()).users.length;
    for (const args of [['user', 'create', 'mallory', '--admin'], ['key', 'create', 'alice']]) {
      const run = await morphlink(args, header);
      assert.equal(run.code, 1, run.stdout);
      assert.ok(assertOneLine(run.stderr), run.stderr);
      assert.match(run.stderr, /AUTH_MODE=header/);
      assert.doesNotMatch(run.stdout, /mlk_/);
    }
    assert.equal((await users()).users.length, before);
  });
});
