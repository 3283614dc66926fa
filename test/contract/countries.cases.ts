import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertStatus } from './expect.ts';
import { assertSettledTotal, createLink } from './fixtures.ts';
import { visit } from './http.ts';
import type { Suite } from './suite.ts';

/** Every file under `dir`, recursively (journal segments, spools, the SQLite file and its WAL). */
async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(path).catch(() => [])));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** The files under `dir` whose bytes contain `text`. A file removed while being read holds nothing any more. */
async function filesHolding(dir: string, text: string): Promise<string[]> {
  const needle = Buffer.from(text);
  const holding: string[] = [];
  for (const file of await filesUnder(dir)) {
    const bytes = await readFile(file).catch(() => Buffer.alloc(0));
    if (bytes.includes(needle)) holding.push(file);
  }
  return holding;
}

// The suite's client is on 127.0.0.1, a proxy TRUST_PROXY trusts by default (loopback): its
// X-Forwarded-For and CF-IPCountry stand for what a real proxy in front would send.
export function countriesCases(s: Suite): void {
  describe('click countries', () => {
    it('when a trusted proxy forwards a public address, then the click is placed in its country; the proxy itself (loopback) is unknown', async () => {
      const link = await createLink(s.alice);
      // 8.8.4.4: Google's resolver, registered in the US since 2009.
      assertStatus(await visit(s.target, `/r/${link.code}`, { headers: { 'x-forwarded-for': '8.8.4.4' } }), 302);
      assertStatus(await visit(s.target, `/${link.code}`), 302);
      const stats = await assertSettledTotal(s.alice, link.code, 2);
      // A tie: the order of the two is the server's to choose.
      assert.deepEqual(Object.fromEntries(stats.countries.map((c) => [c.value, c.count])), { US: 1, unknown: 1 });
    });

    it('when a trusted proxy sends CF-IPCountry, then its country wins over the address', async () => {
      const link = await createLink(s.alice);
      assertStatus(await visit(s.target, `/r/${link.code}`, { headers: { 'x-forwarded-for': '8.8.4.4', 'cf-ipcountry': 'NL' } }), 302);
      const stats = await assertSettledTotal(s.alice, link.code, 1);
      assert.deepEqual(stats.countries, [{ value: 'NL', count: 1 }]);
    });

    it('when clicks come from an address, then its country is stored and the address is in no file of DATA_DIR', async () => {
      const link = await createLink(s.alice);
      // 193.0.6.139: RIPE NCC's own site, in NL. Its text must appear nowhere the target writes.
      const ip = '193.0.6.139';
      for (let i = 0; i < 3; i++) assertStatus(await visit(s.target, `/r/${link.code}`, { headers: { 'x-forwarded-for': ip } }), 302);
      // At once, while the clicks are still in the journal (a redirect is answered once its click is written there)...
      assert.deepEqual(await filesHolding(s.target.dataDir, ip), [], `files holding ${ip} right after the redirects`);
      const stats = await assertSettledTotal(s.alice, link.code, 3);
      assert.deepEqual(stats.countries, [{ value: 'NL', count: 3 }]);
      // ...and once they are stored.
      assert.ok((await filesUnder(s.target.dataDir)).length > 0, 'DATA_DIR holds files (the test reads the right place)');
      assert.deepEqual(await filesHolding(s.target.dataDir, ip), [], `files holding ${ip} once stored`);
    });
  });
}
