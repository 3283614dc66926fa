import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { loadConfig } from '../common/config.ts';
import { createScratch, type Scratch } from '../../test/support/test-support.ts';
import { withAuthAdmin } from './admin.ts';
import { buildMonolith } from './monolith.ts';

type Monolith = Awaited<ReturnType<typeof buildMonolith>>;

describe('AUTH_MODE=header on a database that already has an admin', () => {
  let scratch: Scratch;
  let monolith: Monolith;
  let countUsers: () => Promise<number>;

  before(async () => {
    scratch = await createScratch('sqlite');
    const env = { DATABASE_URL: `sqlite:${join(scratch.dir, 'h.db')}`, LOG_LEVEL: 'silent', USERS: 'alice,bob' };
    // alice became an admin in apikey mode; then someone switches the server to header mode for a demo.
    await withAuthAdmin(loadConfig(env), (auth) => auth.createUser('alice', { admin: true }));
    const config = loadConfig({ ...env, AUTH_MODE: 'header' });
    countUsers = () => withAuthAdmin(config, (auth) => auth.countUsers());
    monolith = await buildMonolith(config);
  });
  after(async () => {
    await monolith.dispose();
    await scratch.remove();
  });

  const asAlice = (method: InjectOptions['method'], url: string, payload?: object) =>
    monolith.app.inject({ method, url, payload, headers: { 'x-user': 'alice' } });

  for (const [method, url, payload] of [
    ['POST', '/api/users', { name: 'mallory', admin: true }],
    ['POST', '/api/auth/keys', undefined],
    ['GET', '/api/auth/keys', undefined],
    ['DELETE', '/api/auth/keys/mlk_0000000000', undefined],
  ] as const) {
    it(`when ${method} ${url} is called as a header-mode admin, then 403 problem+json and nothing is minted`, async () => {
      const users = await countUsers();
      const response = await asAlice(method, url, payload);
      assert.equal(response.statusCode, 403, response.body);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      assert.equal(response.json().code, 'FORBIDDEN');
      assert.match(response.json().detail, /AUTH_MODE=header/);
      assert.equal(await countUsers(), users);
    });
  }

  it('when a header-mode user asks who they are, then that still works', async () => {
    const me = await asAlice('GET', '/api/users/me');
    assert.equal(me.statusCode, 200, me.body);
    assert.equal(me.json().name, 'alice');
  });
});
