import assert from 'node:assert/strict';
import pg from 'pg';
import { createScratch, type Scratch } from '../contract/database.ts';
import type { Client, Reply } from '../contract/http.ts';
import { targetUrl } from '../contract/fixtures.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

/** A scratch PostgreSQL database reached through a TCP proxy the test can stall or cut. */
export interface ProxiedDatabase {
  name: string;
  /** The URL through the proxy: what the app under test gets as DATABASE_URL. */
  url: string;
  proxy: TcpProxy;
  /** pg_terminate_backend on every session of this database only (other tests share the server). */
  terminateSessions(): Promise<number>;
  remove(): Promise<void>;
}

export async function proxiedDatabase(): Promise<ProxiedDatabase> {
  const scratch: Scratch = await createScratch('postgres');
  const name = new URL(scratch.databaseUrl).pathname.slice(1);
  const proxy = await startTcpProxy(5432);
  return {
    name,
    url: `postgres://postgres@127.0.0.1:${proxy.port}/${name}`,
    proxy,
    async terminateSessions() {
      // Connected straight to the server, not through the proxy, so a frozen proxy cannot stop it.
      const admin = new pg.Client({ connectionString: scratch.databaseUrl });
      await admin.connect();
      try {
        const { rows } = await admin.query(
          'select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [name],
        );
        return rows.length;
      } finally {
        await admin.end();
      }
    },
    async remove() {
      await proxy.close();
      await scratch.remove();
    },
  };
}

/** What a burst of API traffic got back: status counts, and every reply that was not a success. */
export interface LoadResult {
  statuses: Map<number | string, number>;
  failures: Reply[];
  /** Transport errors: the process refused or dropped the connection (e.g. it crashed). */
  transport: string[];
}

/** Creates and lists links with `concurrency` workers until `stop()` resolves. 127.0.0.1 only. */
export async function apiLoad(client: Client, concurrency: number, stop: Promise<unknown>): Promise<LoadResult> {
  const result: LoadResult = { statuses: new Map(), failures: [], transport: [] };
  let done = false;
  void stop.then(() => (done = true));
  const worker = async (w: number) => {
    for (let i = 0; !done; i++) {
      try {
        const res = i % 2 === 0 ? await client.post('/api/links', { url: targetUrl() }) : await client.get('/api/links?limit=5');
        result.statuses.set(res.status, (result.statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 300) result.failures.push(res);
      } catch (error) {
        result.transport.push(`worker ${w}: ${(error as Error).message}`);
        result.statuses.set('transport', (result.statuses.get('transport') ?? 0) + 1);
        // A dead server refuses at once: do not spin.
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return result;
}

/** Failures during a fault are allowed only as 503 problem+json with Retry-After; never a 500 or a dropped connection. */
export function assertOnlyRetryable503s(result: LoadResult, what: string): void {
  const summary = JSON.stringify(Object.fromEntries(result.statuses));
  assert.deepEqual(result.transport.slice(0, 3), [], `${what}: transport errors (${summary})`);
  for (const res of result.failures) {
    assert.equal(res.status, 503, `${what}: ${res.status} ${res.text.slice(0, 300)} (${summary})`);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, `${what}: content-type`);
    assert.ok(Number(res.headers.get('retry-after')) > 0, `${what}: 503 without Retry-After`);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
