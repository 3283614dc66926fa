import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createScratch, type Scratch } from '../contract/database.ts';
import { targetEnv } from '../contract/harness.ts';
import { spawnMorphlink } from './process.ts';

describe('morphlink serve <service> started by hand', () => {
  const scratches: Scratch[] = [];
  after(() => Promise.all(scratches.map((s) => s.remove())));

  for (const service of ['auth', 'links', 'redirector', 'analytics', 'gateway']) {
    test(`when ${service} is started without INTERNAL_TOKEN, then it refuses to start and says how to set it`, async () => {
      const scratch = await createScratch('sqlite');
      scratches.push(scratch);
      const { env } = await targetEnv('microservices', scratch.databaseUrl, scratch.dir, '');
      delete env.INTERNAL_TOKEN;
      const server = spawnMorphlink(['serve', service], env);
      const code = await server.exited(20_000);
      if (code === 'timeout') server.proc.kill('SIGKILL');
      assert.notEqual(code, 'timeout', `${service} started and kept running without a token`);
      assert.notEqual(code, 0);
      assert.match(server.output(), /INTERNAL_TOKEN/);
      assert.match(server.output(), /set INTERNAL_TOKEN/i);
      assert.match(server.output(), /morphlink up/);
    });
  }
});
