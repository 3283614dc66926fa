import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHROME_UA, GOOGLEBOT_UA, fakeClock, memoryJournal, nextTurn } from '../../../test/support/test-support.ts';
import type { ClickEvent } from '../analytics/index.ts';
import type { ResolvedLink } from '../links/index.ts';
import { createClickQuota, createRedirector } from './index.ts';
import { VISIT_LIMITS, visitFrom, withQuery, type Visit } from './redirector.service.ts';

const link = (code: string, extra: Partial<ResolvedLink> = {}): ResolvedLink => ({
  id: `id-${code}`, code, url: `https://example.com/${code}`, ownerId: 'owner', expiresAt: null, maxClicks: null,
  redirectType: 302, passwordHash: null, rules: [], ...extra,
});

const visit = (code: string, extra: Partial<Visit> = {}): Visit => ({
  code, query: '', ip: '203.0.113.9', userAgent: CHROME_UA, referrer: null, country: null, ...extra,
});

/** A redirector over fixed links; `stored` is what analytics already counted per link id. */
function setup(links: ResolvedLink[], stored: Record<string, number> = {}) {
  const clock = fakeClock();
  const recorded: ClickEvent[] = [];
  const byCode = new Map(links.map((l) => [l.code, l]));
  const redirector = createRedirector({
    links: { resolve: async (code) => byCode.get(code) ?? null },
    clicks: memoryJournal(recorded, (ip, ua) => `${ip}|${ua}`),
    quota: createClickQuota({ totalsFor: async (ids) => new Map(ids.map((id) => [id, stored[id] ?? 0])) }),
    now: clock.now,
  });
  const kinds = async (code: string, times: number, extra: Partial<Visit> = {}) => {
    const out: string[] = [];
    for (let i = 0; i < times; i++) out.push((await redirector.decide(visit(code, extra))).kind);
    return out;
  };
  return { redirector, recorded, clock, kinds };
}

describe('withQuery', () => {
  it('when the short URL has a query, then it is appended with ? or &, before any fragment', () => {
    assert.equal(withQuery('https://e.com/p', 'a=1'), 'https://e.com/p?a=1');
    assert.equal(withQuery('https://e.com/p?x=0', 'a=1&b=2'), 'https://e.com/p?x=0&a=1&b=2');
    assert.equal(withQuery('https://e.com/p#top', 'a=1'), 'https://e.com/p?a=1#top');
    assert.equal(withQuery('https://e.com/p?x=0#frag?not=query', 'a=1'), 'https://e.com/p?x=0&a=1#frag?not=query');
  });

  it('when the query is empty, then the URL is unchanged', () => {
    assert.equal(withQuery('https://e.com/p#top', ''), 'https://e.com/p#top');
  });
});

describe('redirector.decide', () => {
  it('when the code is unknown, then the outcome is not-found', async () => {
    assert.deepEqual(await setup([]).redirector.decide(visit('nope')), { kind: 'not-found' });
  });

  it('when the link expired, then the outcome is gone, and just before it is a redirect', async () => {
    const { redirector, clock } = setup([link('exp', { expiresAt: fakeClock().now() + 1000 })]);
    assert.equal((await redirector.decide(visit('exp'))).kind, 'redirect');
    clock.advance(1000);
    assert.deepEqual(await redirector.decide(visit('exp')), { kind: 'gone' });
  });

  it('when the link has a password, then the outcome is password until the visit is unlocked', async () => {
    const locked = link('pw', { passwordHash: 'scrypt$salt$hash' });
    const { redirector } = setup([locked]);
    assert.deepEqual(await redirector.decide(visit('pw')), { kind: 'password', link: locked });
    assert.equal((await redirector.decide(visit('pw', { unlocked: false }))).kind, 'password');
    assert.equal((await redirector.decide(visit('pw', { unlocked: true }))).kind, 'redirect');
  });

  it('when the link is live, then the outcome is a redirect to its URL with the visit query', async () => {
    const target = link('go', { url: 'https://example.com/landing?ref=x#section', redirectType: 301 });
    const outcome = await setup([target]).redirector.decide(visit('go', { query: 'utm_source=mail' }));
    assert.deepEqual(outcome, { kind: 'redirect', link: target, location: 'https://example.com/landing?ref=x&utm_source=mail#section', target: null });
  });

  it('when maxClicks is 2, then the third human visit is gone', async () => {
    const { kinds } = setup([link('cap', { maxClicks: 2 })]);
    assert.deepEqual(await kinds('cap', 3), ['redirect', 'redirect', 'gone']);
  });

  it('when visits to a limited link arrive at once, then exactly maxClicks of them redirect', async () => {
    const { redirector } = setup([link('rush', { maxClicks: 2 })]);
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => redirector.decide(visit('rush'))));
    assert.equal(outcomes.filter((o) => o.kind === 'redirect').length, 2);
  });

  it('when analytics already counted clicks, then they count against maxClicks', async () => {
    const { kinds } = setup([link('old', { maxClicks: 3 })], { 'id-old': 2 });
    assert.deepEqual(await kinds('old', 2), ['redirect', 'gone']);
  });

  it('when bots visit a limited link, then they do not use up its clicks', async () => {
    const { kinds } = setup([link('bot', { maxClicks: 1 })]);
    assert.deepEqual(await kinds('bot', 3, { userAgent: GOOGLEBOT_UA }), ['redirect', 'redirect', 'redirect']);
    assert.deepEqual(await kinds('bot', 2), ['redirect', 'gone']);
  });

  it('when a visit is decided, then nothing is recorded; record() hands one click to the sink', async () => {
    const target = link('rec');
    const { redirector, recorded, clock } = setup([target]);
    const seen = visit('rec', { referrer: 'https://news.example', country: 'NL' });
    await redirector.decide(seen);
    assert.equal(recorded.length, 0);
    let answered = false;
    redirector.record(target, seen, () => (answered = true));
    assert.deepEqual([recorded.length, answered], [0, false], 'journaled and answered at the end of the turn');
    await nextTurn();
    assert.deepEqual([recorded.length, answered], [1, true]);
    const [click] = recorded;
    assert.deepEqual({ ...click, id: undefined }, {
      id: undefined, linkId: 'id-rec', ownerId: 'owner', code: 'rec', at: clock.now(),
      referrer: 'https://news.example', userAgent: CHROME_UA, visitor: `203.0.113.9|${CHROME_UA}`, country: 'NL',
    });
    assert.match(click!.id, /^[0-9a-z]+[A-Za-z0-9_-]+-0\.0$/, 'the first click of the first batch: <process>-<batch>.<seq>');
  });
});

describe('visitFrom', () => {
  it('when headers are longer than analytics accepts, then the visit keeps at most VISIT_LIMITS of each', () => {
    const headers = { 'user-agent': 'u'.repeat(20_000), referer: `https://r.example/${'r'.repeat(20_000)}`, 'cf-ipcountry': 'C'.repeat(50) };
    const v = visitFrom('abc', '', '203.0.113.9', 'GET', headers, true);
    assert.deepEqual([v.userAgent.length, v.referrer?.length, v.country?.length], [VISIT_LIMITS.userAgent, VISIT_LIMITS.referrer, VISIT_LIMITS.country]);
    // The limits are analytics' own (analytics.schemas.ts), so no click can be refused there.
    assert.deepEqual(VISIT_LIMITS, { userAgent: 1024, referrer: 2048, country: 8 });
  });

  it('when a long visit is recorded, then the click fits analytics limits', async () => {
    const { redirector, recorded } = setup([link('abc')]);
    const headers = { 'user-agent': 'u'.repeat(5_000), referer: 'r'.repeat(5_000) };
    redirector.record(link('abc'), visitFrom('abc', '', '203.0.113.9', 'GET', headers, false), () => undefined);
    await nextTurn();
    assert.equal(recorded[0]?.userAgent?.length, 1024);
    assert.equal(recorded[0]?.referrer?.length, 2048);
  });

  it('when the peer is not trusted, then country headers are ignored; when it is, the first one is kept', () => {
    const headers = { 'cf-ipcountry': 'DE', 'x-country': 'FR' };
    assert.equal(visitFrom('abc', '', '203.0.113.9', 'GET', headers, false).country, null);
    assert.equal(visitFrom('abc', '', '203.0.113.9', 'GET', headers, true).country, 'DE');
    assert.equal(visitFrom('abc', '', '203.0.113.9', 'GET', { 'x-country': ' fr ' }, true).country, 'fr');
  });
});
