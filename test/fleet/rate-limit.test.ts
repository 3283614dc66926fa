import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, visit, type Reply } from '../contract/http.ts';
import { createLink } from '../contract/fixtures.ts';
import { redirectorPorts, startFleet, type Fleet } from './fleet.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';

function assertLimited(reply: Reply, where: string): void {
  assert.equal(reply.status, 429, `${where}: ${reply.text}`);
  assert.match(reply.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal((reply.body as { code?: string }).code, 'RATE_LIMITED');
  assert.ok(Number(reply.headers.get('retry-after')) >= 1, `${where}: Retry-After ${String(reply.headers.get('retry-after'))}`);
}

describe('microservices fleet with REDIS_URL: rate limits shared by 2 redirector replicas (SQLite)', () => {
  let fleet: Fleet;

  before(async () => {
    // Each fleet has its own INTERNAL_TOKEN, so its Redis counters start at zero.
    fleet = await startFleet({ db: 'sqlite', replicas: 2, env: { REDIS_URL, RATE_LIMIT_PASSWORD_PER_MIN: '3' } });
  });
  after(async () => {
    await fleet?.dispose();
  });

  test('when guesses are spread over both replicas, then the 4th guess from one address is 429, also through the gateway', async () => {
    const link = await createLink(api(fleet, await fleet.createUser('alice')), { password: 'right' });
    const [a, b] = await redirectorPorts(fleet);
    assert.ok(a && b, 'two redirector replicas');
    const guess = (port: number) =>
      visit({ baseUrl: `http://127.0.0.1:${port}` }, `/r/${link.code}`, { method: 'POST', form: { password: 'wrong' } });
    assert.equal((await guess(a)).status, 401);
    assert.equal((await guess(b)).status, 401);
    assert.equal((await guess(a)).status, 401);
    assertLimited(await guess(b), 'replica b, 4th guess');
    assertLimited(await visit(fleet, `/r/${link.code}`, { method: 'POST', form: { password: 'right' } }), 'gateway');
    // The redirect itself is never limited.
    assert.equal((await visit(fleet, `/r/${link.code}`)).status, 200, 'the password page still shows');
  });
});
