import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../common/config.ts';
import { CHROME_UA, createScratch, type Scratch } from '../../test/support/test-support.ts';
import { withAuthAdmin } from './admin.ts';
import { buildMonolith } from './monolith.ts';

type Monolith = Awaited<ReturnType<typeof buildMonolith>>;

/** One sample of a counter in a Prometheus exposition (0 when absent). */
const sample = (text: string, line: RegExp) => Number(line.exec(text)?.[1] ?? 0);

// A restarted monolith on the same database: its redirector loads the links clicked lately into its
// cache before they are asked, so their first visits after the restart are hits.
describe('the link cache warmed at start', () => {
  let scratch: Scratch;
  let apiKey = '';
  const settings = () => ({ DATABASE_URL: `sqlite:${join(scratch.dir, 'w.db')}`, LOG_LEVEL: 'silent', INTERNAL_TOKEN: 'x', DATA_DIR: scratch.dir });

  const visit = (monolith: Monolith, code: string) => monolith.app.inject({ method: 'GET', url: `/${code}`, headers: { 'user-agent': CHROME_UA } });
  const metrics = async (monolith: Monolith) => (await monolith.app.inject({ method: 'GET', url: '/metrics' })).body;
  const lookups = async (monolith: Monolith) => {
    const text = await metrics(monolith);
    return { hits: sample(text, /^morphlink_link_cache_total\{result="hit"[^}]*\} (\d+)/m), misses: sample(text, /^morphlink_link_cache_total\{result="miss"[^}]*\} (\d+)/m) };
  };
  /** Starts a monolith, waits until its warming has loaded `expected` links, or a second passes with none. */
  async function start(extra: Record<string, string>, expected: number): Promise<Monolith> {
    const monolith = await buildMonolith(loadConfig({ ...settings(), ...extra }));
    const deadline = Date.now() + (expected > 0 ? 10_000 : 1_000);
    while (Date.now() < deadline && sample(await metrics(monolith), /^morphlink_link_cache_warmed_total(?:\{[^}]*\})? (\d+)/m) < expected) await delay(20);
    return monolith;
  }

  before(async () => {
    scratch = await createScratch('sqlite');
    apiKey = (await withAuthAdmin(loadConfig(settings()), (auth) => auth.createUser('warm'))).apiKey;
    const first = await buildMonolith(loadConfig(settings()));
    try {
      for (const code of ['warm-often', 'warm-once', 'warm-never']) {
        const created = await first.app.inject({ method: 'POST', url: '/api/links', payload: { url: `https://example.com/${code}`, code }, headers: { authorization: `Bearer ${apiKey}` } });
        assert.equal(created.statusCode, 201);
      }
      for (const code of ['warm-often', 'warm-often', 'warm-once']) assert.equal((await visit(first, code)).statusCode, 302);
      await first.flush();
    } finally {
      await first.dispose();
    }
  });

  after(() => scratch.remove());

  it('when the monolith starts again, then the links clicked lately are in its cache before their first visit', async () => {
    const monolith = await start({}, 2);
    try {
      const text = await metrics(monolith);
      assert.equal(sample(text, /^morphlink_link_cache_warmed_total(?:\{[^}]*\})? (\d+)/m), 2);
      for (const code of ['warm-often', 'warm-once']) assert.equal((await visit(monolith, code)).headers.location, `https://example.com/${code}`);
      assert.deepEqual(await lookups(monolith), { hits: 2, misses: 0 });
      // Never clicked: not warmed, looked up on its first visit.
      assert.equal((await visit(monolith, 'warm-never')).statusCode, 302);
      assert.deepEqual(await lookups(monolith), { hits: 2, misses: 1 });
    } finally {
      await monolith.dispose();
    }
  });

  it('when CACHE_WARM_HOURS is 0, then it starts with an empty cache and every first visit is a miss', async () => {
    const monolith = await start({ CACHE_WARM_HOURS: '0' }, 0);
    try {
      for (const code of ['warm-often', 'warm-once']) assert.equal((await visit(monolith, code)).statusCode, 302);
      assert.deepEqual(await lookups(monolith), { hits: 0, misses: 2 });
    } finally {
      await monolith.dispose();
    }
  });
});
