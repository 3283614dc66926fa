import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHROME_UA, fakeClock, memoryJournal, nextTurn } from '../../../test/support/test-support.ts';
import type { ClickEvent } from '../analytics/index.ts';
import type { ResolvedLink, TargetRule } from '../links/index.ts';
import { createClickQuota, createRedirector } from './index.ts';
import type { Visit } from './redirector.service.ts';
import { chooseTarget, platformOf } from './redirector.targeting.ts';

const UA = {
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  android: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36',
  windows: CHROME_UA,
  mac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  linux: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  chromebook: 'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  kaios: 'Mozilla/5.0 (Mobile; LYF/F300B/LYF-F300B-001-01-15-130718-i; Android; rv:48.0) Gecko/48.0 Firefox/48.0 KAIOS/2.5',
  curl: 'curl/8.5.0',
};

const link = (rules: TargetRule[], url = 'https://example.com/fallback'): ResolvedLink => ({
  id: 'id-t', code: 't', url, ownerId: 'owner', expiresAt: null, maxClicks: null, redirectType: 302, passwordHash: null, rules,
});
const visit = (userAgent: string, extra: Partial<Visit> = {}): Visit => ({
  code: 't', query: '', ip: '203.0.113.9', userAgent, referrer: null, country: null, ...extra,
});

describe('platformOf', () => {
  it('when a User-Agent names a platform, then device and OS are read off it', () => {
    assert.deepEqual(platformOf(UA.iphone), { device: 'ios', os: 'ios' });
    assert.deepEqual(platformOf(UA.ipad), { device: 'ios', os: 'ios' });
    assert.deepEqual(platformOf(UA.android), { device: 'android', os: 'android' });
    assert.deepEqual(platformOf(UA.windows), { device: 'desktop', os: 'windows' });
    assert.deepEqual(platformOf(UA.mac), { device: 'desktop', os: 'macos' });
    assert.deepEqual(platformOf(UA.linux), { device: 'desktop', os: 'linux' });
    assert.deepEqual(platformOf(UA.chromebook), { device: 'desktop', os: 'chromeos' });
  });

  it('when a User-Agent names no known platform, then neither device nor OS match anything', () => {
    assert.deepEqual(platformOf(UA.curl), { device: null, os: null });
    assert.deepEqual(platformOf(''), { device: null, os: null });
  });
});

describe('chooseTarget', () => {
  const rules: TargetRule[] = [
    { device: 'ios', url: 'https://apps.apple.com/app' },
    { device: 'android', url: 'https://play.google.com/app' },
    { os: 'windows', country: 'DE', url: 'https://example.de/windows' },
    { country: 'DE', url: 'https://example.de/' },
  ];

  it('when the first rule that matches is found, then its url wins over later ones and is recorded', () => {
    assert.deepEqual(chooseTarget(link(rules), visit(UA.iphone, { country: 'DE' })), { url: 'https://apps.apple.com/app', recorded: 'https://apps.apple.com/app' });
    assert.equal(chooseTarget(link(rules), visit(UA.android)).url, 'https://play.google.com/app');
    assert.equal(chooseTarget(link(rules), visit(UA.windows, { country: 'DE' })).url, 'https://example.de/windows');
    assert.equal(chooseTarget(link(rules), visit(UA.mac, { country: 'de' })).url, 'https://example.de/');
  });

  it('when no rule matches, then the link’s own url is used and recorded', () => {
    assert.deepEqual(chooseTarget(link(rules), visit(UA.mac, { country: 'FR' })), { url: 'https://example.com/fallback', recorded: 'https://example.com/fallback' });
    assert.equal(chooseTarget(link(rules), visit(UA.curl)).url, 'https://example.com/fallback');
  });

  it('when the link has no rules, then nothing is recorded as a target and no lookup is made', () => {
    let lookups = 0;
    const countryOf = () => (lookups++, 'DE');
    assert.deepEqual(chooseTarget(link([]), visit(UA.iphone), countryOf), { url: 'https://example.com/fallback', recorded: null });
    assert.equal(lookups, 0);
  });

  it('when no proxy gave the country, then the address is looked up, once, and only for a country rule', () => {
    const asked: string[] = [];
    const countryOf = (ip: string) => (asked.push(ip), 'DE');
    assert.equal(chooseTarget(link(rules), visit(UA.iphone), countryOf).url, 'https://apps.apple.com/app');
    assert.deepEqual(asked, [], 'a device rule matched first: no lookup');
    assert.equal(chooseTarget(link(rules), visit(UA.mac), countryOf).url, 'https://example.de/');
    assert.deepEqual(asked, ['203.0.113.9']);
    assert.equal(chooseTarget(link(rules), visit(UA.mac, { country: 'FR' }), countryOf).url, 'https://example.com/fallback', 'a trusted proxy’s country wins');
    assert.deepEqual(asked, ['203.0.113.9']);
  });

  it('when a rule names two conditions, then both must hold', () => {
    const both = link([{ device: 'android', country: 'IN', url: 'https://example.in/android' }]);
    assert.equal(chooseTarget(both, visit(UA.android, { country: 'IN' })).url, 'https://example.in/android');
    assert.equal(chooseTarget(both, visit(UA.android, { country: 'US' })).url, 'https://example.com/fallback');
    assert.equal(chooseTarget(both, visit(UA.kaios, { country: 'IN' })).url, 'https://example.in/android', 'KaiOS says Android');
  });
});

describe('a redirect of a link with rules', () => {
  it('when it is decided, then the location is the chosen url with the visit query, and the click records it', async () => {
    const recorded: ClickEvent[] = [];
    const target = link([{ device: 'ios', url: 'https://apps.apple.com/app?id=1' }]);
    const redirector = createRedirector({
      links: { resolve: async () => target, peek: () => target },
      clicks: memoryJournal(recorded, () => 'v'),
      quota: createClickQuota({ totalsFor: async () => new Map() }),
      now: fakeClock().now,
    });
    assert.equal(redirector.decideNow('t', ''), null, 'without the visit, rules cannot be decided synchronously');
    assert.equal(redirector.decideNow('t', 'utm=x', visit(UA.iphone))?.location, 'https://apps.apple.com/app?id=1&utm=x', 'with it, they can');
    const seen = visit(UA.iphone, { query: 'utm=x' });
    const outcome = await redirector.decide(seen);
    assert.ok(outcome.kind === 'redirect');
    assert.equal(outcome.location, 'https://apps.apple.com/app?id=1&utm=x');
    redirector.record(outcome.link, seen, () => undefined, outcome.target);
    const desktop = visit(UA.windows);
    const fallback = await redirector.decide(desktop);
    assert.ok(fallback.kind === 'redirect');
    assert.equal(fallback.location, 'https://example.com/fallback');
    redirector.record(fallback.link, desktop, () => undefined, fallback.target);
    await nextTurn();
    assert.deepEqual(recorded.map((c) => c.target), ['https://apps.apple.com/app?id=1', 'https://example.com/fallback']);
  });
});
