import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from './http.ts';
import { assertStatus } from './expect.ts';
import type { Link, LinkStats, Page } from './types.ts';

/** Unique per call, so tests never collide on codes, names or URLs, even across reruns. */
export const unique = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;
export const targetUrl = (path = unique('p')) => `https://example.com/${path}`;

export async function createLink(client: Client, body: Record<string, unknown> = {}): Promise<Link> {
  const res = await client.post<Link>('/api/links', { url: targetUrl(), ...body });
  assertStatus(res, 201, 'create link:');
  return res.body;
}

export async function readLink(client: Client, code: string): Promise<Link> {
  const res = await client.get<Link>(`/api/links/${code}`);
  assertStatus(res, 200, `read ${code}:`);
  return res.body;
}

/** Every link the client can list, following cursors (bounded: the suite never makes 2,000 links per user). */
export async function listAll(client: Client, query = ''): Promise<Link[]> {
  const items: Link[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 20; page++) {
    const after: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const res = await client.get<Page>(`/api/links?limit=100${query}${after}`);
    assertStatus(res, 200, 'list:');
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (cursor === null) return items;
  }
  throw new Error('more than 20 pages of links: runaway cursor?');
}

/**
 * Polls until `done` holds or `timeoutMs` passes, then returns the last value; the caller
 * asserts on it, so a timeout fails with the real numbers in the message.
 */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(100);
    value = await read();
  }
  return value;
}

export async function readStats(client: Client, code: string, query = ''): Promise<LinkStats> {
  const res = await client.get<LinkStats>(`/api/links/${code}/stats${query}`);
  assertStatus(res, 200, `stats ${code}:`);
  return res.body;
}

/**
 * Clicks are written in batches after the redirect answers: wait for `total`, then read again
 * 300 ms later to prove it settled there instead of passing through on its way higher.
 */
export async function assertSettledTotal(client: Client, code: string, total: number, bots?: number): Promise<LinkStats> {
  const reached = await eventually(
    () => readStats(client, code),
    (s) => s.total >= total && (bots === undefined || s.bots >= bots),
  );
  assert.equal(reached.total, total, `stats total of ${code}`);
  if (bots !== undefined) assert.equal(reached.bots, bots, `stats bots of ${code}`);
  await sleep(300);
  const settled = await readStats(client, code);
  assert.equal(settled.total, total, `stats total of ${code} after settling`);
  if (bots !== undefined) assert.equal(settled.bots, bots, `stats bots of ${code} after settling`);
  return settled;
}

/** Runs `count` tasks, `concurrency` at a time, and fails if they take longer than `budgetMs`. */
export async function runPool<T>(count: number, concurrency: number, budgetMs: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  const deadline = Date.now() + budgetMs;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      if (Date.now() > deadline) throw new Error(`load loop exceeded ${budgetMs} ms after ${next}/${count} tasks`);
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
