import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createScratch, type Scratch } from '../contract/database.ts';
import { assertOneLine, cliEnv, morphlink } from './run.ts';

describe('which database the command line uses', () => {
  let scratch: Scratch;
  before(async () => {
    scratch = await createScratch('sqlite');
  });
  after(async () => scratch?.remove());

  test('when an admin command runs in another directory with the default relative URL, then it says which file it used', async () => {
    const run = await morphlink(['user', 'list'], cliEnv('sqlite:./data/morphlink.db'), scratch.dir);
    assert.equal(run.code, 0, run.stderr);
    const file = join(scratch.dir, 'data', 'morphlink.db');
    assert.ok(run.stderr.includes(`database: sqlite:./data/morphlink.db (${file})`), run.stderr);
    assert.ok(existsSync(file));
  });

  test('when migrate or a user command prints JSON, then the JSON names the database too', async () => {
    const env = cliEnv(scratch.databaseUrl);
    const migrated = JSON.parse((await morphlink(['migrate', '--json'], env)).stdout) as { databases: string[] };
    assert.equal(migrated.databases.length, 1);
    assert.ok(migrated.databases[0]?.startsWith(scratch.databaseUrl), migrated.databases[0]);
    const created = JSON.parse((await morphlink(['user', 'create', 'zoe', '--json'], env)).stdout) as { database: string };
    assert.ok(created.database.startsWith(scratch.databaseUrl));
  });

  test('when the PostgreSQL database does not exist, then one line names it and how to create it, exit 1, no stack', async () => {
    const name = `morphlink_missing_${randomBytes(4).toString('hex')}`;
    const env = cliEnv(`postgres://postgres@127.0.0.1:5432/${name}`);
    for (const args of [['user', 'list'], ['migrate']]) {
      const run = await morphlink(args, env);
      assert.equal(run.code, 1, run.stderr);
      assert.ok(assertOneLine(run.stderr), run.stderr);
      assert.match(run.stderr, new RegExp(`database "${name}" does not exist`));
      assert.match(run.stderr, new RegExp(`createdb -h 127\\.0\\.0\\.1 -p 5432 -U postgres ${name}`));
    }
    const json = await morphlink(['user', 'list', '--json'], env);
    assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'DATABASE_MISSING');
  });
});
