import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { principal, useDatabase } from '../../../test/support/test-support.ts';
import { createLinksRepository, createLinksService, linksMigrations, type ClickTotals, type LinksPort } from './index.ts';
import { boundedTotals } from './links.clicks.ts';

// Issue 7, defect 6: the links API must not depend on analytics being up.
describe('links service while analytics does not answer', () => {
  const database = useDatabase('sqlite', { links: linksMigrations });
  let asked = 0;
  let totals: ClickTotals['totalsFor'] = async () => new Map();
  const links = (): LinksPort =>
    createLinksService({
      repository: createLinksRepository(database()),
      clicks: { totalsFor: (ids) => (asked++, totals(ids)) },
      changes: { linkChanged: async () => undefined },
      baseUrl: 'https://mlk.example',
      clickTotalsTimeoutMs: 100,
    });
  const hang = () => new Promise<Map<string, number>>(() => undefined);

  it('when a link is created, then it answers with clicks 0 and never asks analytics', { timeout: 5_000 }, async () => {
    totals = hang;
    asked = 0;
    const created = await links().create(principal('creator'), { url: 'https://example.com/a', tags: ['x'] });
    assert.equal(created.clicks, 0);
    assert.deepEqual(created.tags, ['x']);
    assert.equal(asked, 0);
  });

  it('when analytics hangs, then get and list answer within the bound with clicks null (unknown)', { timeout: 5_000 }, async () => {
    const owner = principal('hanging');
    totals = async () => new Map();
    const { code } = await links().create(owner, { url: 'https://example.com/b' });
    totals = hang;
    const started = Date.now();
    assert.equal((await links().get(owner, code)).clicks, null);
    const page = await links().list(owner, { limit: 10 });
    assert.deepEqual(page.items.map((l) => l.clicks), [null]);
    assert.ok(Date.now() - started < 1_000, `took ${Date.now() - started} ms`);
  });

  it('when analytics fails, then clicks are null; when it answers, then they are its totals (absent = 0)', { timeout: 5_000 }, async () => {
    const owner = principal('failing');
    const first = await links().create(owner, { url: 'https://example.com/c' });
    const second = await links().create(owner, { url: 'https://example.com/d' });
    totals = async () => {
      throw new Error('analytics is down');
    };
    assert.equal((await links().get(owner, first.code)).clicks, null);
    totals = async () => new Map([[first.id, 5]]);
    const page = await links().list(owner, { limit: 10 });
    assert.deepEqual(page.items.map((l) => [l.code, l.clicks]), [[second.code, 0], [first.code, 5]]);
  });
});

describe('boundedTotals', () => {
  it('when a full wait timed out, then later calls wait only briefly until analytics answers again', { timeout: 5_000 }, async () => {
    let answer = () => new Promise<Map<string, number>>(() => undefined);
    const hang = answer;
    const totals = boundedTotals({ totalsFor: () => answer() }, 500);
    const timed = async () => {
      const started = Date.now();
      return { value: await totals(['a']), ms: Date.now() - started };
    };
    const first = await timed();
    assert.equal(first.value, null);
    assert.ok(first.ms >= 450, `first wait ${first.ms} ms`);
    const second = await timed();
    assert.equal(second.value, null);
    assert.ok(second.ms < 300, `second wait ${second.ms} ms`);
    answer = async () => new Map([['a', 3]]);
    assert.deepEqual((await timed()).value, new Map([['a', 3]]));
    answer = hang;
    assert.ok((await timed()).ms >= 450, 'after a success, the full wait again');
  });
});
