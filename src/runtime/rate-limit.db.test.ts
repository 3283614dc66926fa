import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../common/config.ts';
import { CHROME_UA, createScratch, type Scratch } from '../../test/support/test-support.ts';
import { withAuthAdmin } from './admin.ts';
import { buildMonolith } from './monolith.ts';

type Monolith = Awaited<ReturnType<typeof buildMonolith>>;
const PROBLEM = 'application/problem+json; charset=utf-8';
// Small limits so the test reaches them; the defaults are far above what these tests send.
const LIMITS = { RATE_LIMIT_API_PER_MIN: '20', RATE_LIMIT_CREATE_PER_MIN: '3', RATE_LIMIT_PASSWORD_PER_MIN: '4' };

function assertLimited(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 429, response.body);
  assert.equal(response.headers['content-type'], PROBLEM);
  assert.equal(response.json().code, 'RATE_LIMITED');
  const retryAfter = Number(response.headers['retry-after']);
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${String(response.headers['retry-after'])}`);
}

describe('rate limits on a monolith', () => {
  let scratch: Scratch;
  let monolith: Monolith;
  const keys: Record<string, string> = {};

  before(async () => {
    scratch = await createScratch('sqlite');
    const config = loadConfig({ DATABASE_URL: `sqlite:${join(scratch.dir, 'm.db')}`, LOG_LEVEL: 'silent', INTERNAL_TOKEN: 'x', ...LIMITS });
    for (const name of ['alice', 'bob', 'carol', 'erin']) keys[name] = (await withAuthAdmin(config, (auth) => auth.createUser(name))).apiKey;
    monolith = await buildMonolith(config);
  });
  after(async () => {
    await monolith.dispose();
    await scratch.remove();
  });

  const inject = (options: InjectOptions) => monolith.app.inject(options);
  const api = (user: string, method: InjectOptions['method'], url: string, payload?: object, ip = '10.0.0.1') =>
    inject({ method, url, payload, remoteAddress: ip, headers: { authorization: `Bearer ${keys[user]}` } });
  const guess = (code: string, password: string, ip: string) =>
    inject({ method: 'POST', url: `/r/${code}`, remoteAddress: ip, payload: { password } });

  it('when one address guesses a password more often than the limit, then 429 problem+json with Retry-After, and other addresses still may', async () => {
    const created = await api('alice', 'POST', '/api/links', { url: 'https://example.com/pin', code: 'pin-link', password: '1234' }, '10.0.1.1');
    assert.equal(created.statusCode, 201, created.body);
    for (let pin = 0; pin < 4; pin++) assert.equal((await guess('pin-link', `000${pin}`, '10.9.9.9')).statusCode, 401);
    assertLimited(await guess('pin-link', '1234', '10.9.9.9'));
    assert.equal((await inject({ method: 'POST', url: '/pin-link', remoteAddress: '10.9.9.9', payload: { password: '1234' } })).statusCode, 429);
    // 303 See Other after the password form, whatever the link's redirect type (#8 point 4).
    assert.equal((await guess('pin-link', '1234', '10.9.9.8')).statusCode, 303);
  });

  it('when redirects are followed far beyond every limit, then none is limited, nor /health and /metrics', async () => {
    await api('alice', 'POST', '/api/links', { url: 'https://example.com/hot', code: 'hot-link' }, '10.0.1.2');
    for (let i = 0; i < 40; i++) {
      const visit = await inject({ method: 'GET', url: i % 2 ? '/hot-link' : '/r/hot-link', remoteAddress: '10.8.8.8', headers: { 'user-agent': CHROME_UA } });
      assert.equal(visit.statusCode, 302);
      for (const url of ['/health', '/metrics']) assert.equal((await inject({ url, remoteAddress: '10.8.8.8' })).statusCode, 200);
    }
  });

  it('when one key creates more links than the limit, then 429 for that key, from any address, and not for another key', async () => {
    for (let i = 0; i < 3; i++) {
      assert.equal((await api('bob', 'POST', '/api/links', { url: `https://example.com/b${i}` }, `10.1.0.${i}`)).statusCode, 201);
    }
    assertLimited(await api('bob', 'POST', '/api/links', { url: 'https://example.com/b3' }, '10.1.0.9'));
    assert.equal((await api('bob', 'GET', '/api/links', undefined, '10.1.0.9')).statusCode, 200, 'reading is not creating');
    assert.equal((await api('carol', 'POST', '/api/links', { url: 'https://example.com/c' }, '10.1.0.9')).statusCode, 201);
  });

  it('when one address sends more API requests than the limit, even without a valid key, then 429 before authentication', async () => {
    for (let i = 0; i < 20; i++) {
      assert.equal((await inject({ url: '/api/links', remoteAddress: '10.2.0.1', headers: { authorization: 'Bearer nope' } })).statusCode, 401);
    }
    assertLimited(await inject({ url: '/api/links', remoteAddress: '10.2.0.1', headers: { authorization: `Bearer ${keys.carol}` } }));
  });

  it('when one key sends more API requests than the limit from many addresses, then 429 for that key', async () => {
    for (let i = 0; i < 20; i++) assert.equal((await api('erin', 'GET', '/api/users/me', undefined, `10.3.0.${i}`)).statusCode, 200);
    assertLimited(await api('erin', 'GET', '/api/users/me', undefined, '10.3.1.1'));
  });
});

describe('rate limits set to 0', () => {
  it('when every limit is 0, then 30 password guesses from one address all answer 401', async () => {
    const scratch = await createScratch('sqlite');
    const config = loadConfig({
      DATABASE_URL: `sqlite:${join(scratch.dir, 'z.db')}`,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_API_PER_MIN: '0',
      RATE_LIMIT_CREATE_PER_MIN: '0',
      RATE_LIMIT_PASSWORD_PER_MIN: '0',
    });
    const key = (await withAuthAdmin(config, (auth) => auth.createUser('dana'))).apiKey;
    const monolith = await buildMonolith(config);
    try {
      const headers = { authorization: `Bearer ${key}` };
      await monolith.app.inject({ method: 'POST', url: '/api/links', headers, payload: { url: 'https://example.com/z', code: 'zero', password: 'pw' } });
      for (let i = 0; i < 30; i++) {
        assert.equal((await monolith.app.inject({ method: 'POST', url: '/r/zero', payload: { password: 'no' } })).statusCode, 401);
      }
    } finally {
      await monolith.dispose();
      await scratch.remove();
    }
  });
});
