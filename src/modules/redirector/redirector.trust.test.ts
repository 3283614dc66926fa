import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../common/logger.ts';
import { createMetrics } from '../../common/metrics.ts';
import { createHttpServer, type App } from '../../common/http/server.ts';
import type { ClickEvent } from '../analytics/index.ts';
import type { ResolvedLink } from '../links/index.ts';
import { createClickQuota, createFastPath, createRedirector, redirectorRoutes } from './index.ts';
import { memoryJournal } from '../../../test/support/test-support.ts';

const link: ResolvedLink = {
  id: 'id-abc', code: 'abc', url: 'https://example.com/abc', ownerId: 'owner', expiresAt: null, maxClicks: null, redirectType: 302, passwordHash: null, rules: [],
};

/** A real redirector server on 127.0.0.1 that trusts `trustProxy`; every click it records is kept. */
async function serve(trustProxy: string): Promise<{ base: string; recorded: ClickEvent[]; app: App }> {
  const recorded: ClickEvent[] = [];
  const redirector = createRedirector({
    links: { resolve: async (code) => (code === 'abc' ? link : null), peek: (code) => (code === 'abc' ? link : undefined) },
    clicks: memoryJournal(recorded),
    quota: createClickQuota({ totalsFor: async (ids) => new Map(ids.map((id) => [id, 0])) }),
  });
  const app = createHttpServer({
    service: 'redirector', mode: 'test', version: '0', logger: createLogger('silent', 'test'), metrics: createMetrics('test'),
    bodyLimitBytes: 1024, trustProxy, ready: {},
    fastPath: createFastPath(redirector, { trustProxy, onAnswer: () => undefined }),
  });
  await app.register(redirectorRoutes, { redirector, countRedirect: () => undefined, trustProxy });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { base: address, recorded, app };
}

const COUNTRY = { 'cf-ipcountry': 'US', 'x-country': 'FR' };
// The fast path answers /abc; a percent-encoded code takes the framework path to the same link.
const PATHS = ['/abc', '/r/%61bc'];

describe('country headers are believed only from a trusted proxy', () => {
  const apps: App[] = [];
  after(async () => {
    for (const app of apps) await app.close();
  });

  async function countriesFrom(trustProxy: string): Promise<(string | null | undefined)[]> {
    const server = await serve(trustProxy);
    apps.push(server.app);
    for (const path of PATHS) {
      const res = await fetch(server.base + path, { headers: COUNTRY, redirect: 'manual' });
      assert.equal(res.status, 302, path);
    }
    for (let i = 0; i < 50 && server.recorded.length < PATHS.length; i++) await sleep(10);
    return server.recorded.map((c) => c.country);
  }

  it('when the client is not a trusted proxy, then CF-IPCountry and X-Country are ignored on both paths', async () => {
    assert.deepEqual(await countriesFrom('10.0.0.0/8'), [null, null]);
  });

  it('when the client is a trusted proxy, then CF-IPCountry is recorded on both paths', async () => {
    assert.deepEqual(await countriesFrom('loopback'), ['US', 'US']);
  });
});
