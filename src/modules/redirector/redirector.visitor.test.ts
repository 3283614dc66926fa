import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createVisitorHasher } from './redirector.visitor.ts';

const DAY_MS = 86_400_000;
const UA = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0';

describe('visitor ids', () => {
  it('gives a pair the same id all day, remembered or not, and another id the next day', () => {
    let now = 10 * DAY_MS + 5;
    const hasher = createVisitorHasher('secret', () => now);
    const first = hasher('203.0.113.7', UA);
    assert.match(first, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(hasher('203.0.113.7', UA), first, 'remembered');
    assert.equal(createVisitorHasher('secret', () => now)('203.0.113.7', UA), first, 'a fresh hasher, nothing remembered, agrees');
    assert.notEqual(hasher('203.0.113.8', UA), first, 'another address');
    assert.notEqual(hasher('203.0.113.7', `${UA} x`), first, 'another agent');
    assert.notEqual(createVisitorHasher('other secret', () => now)('203.0.113.7', UA), first, 'another secret');

    now += 3_600_000;
    assert.equal(hasher('203.0.113.7', UA), first, 'an hour later the memory is gone, the id the same');

    now += DAY_MS;
    const tomorrow = hasher('203.0.113.7', UA);
    assert.notEqual(tomorrow, first, 'not linkable across days: the memory went with the salt');
    assert.equal(createVisitorHasher('secret', () => now)('203.0.113.7', UA), tomorrow);
  });

  it('keeps giving the right ids once its memory has filled and started afresh', () => {
    const now = () => 3 * DAY_MS;
    const hasher = createVisitorHasher('secret', now);
    const fresh = (ip: string) => createVisitorHasher('secret', now)(ip, UA);
    const early = hasher('198.51.100.1', UA);
    for (let i = 0; i < 20_001; i++) hasher(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, UA);
    assert.equal(hasher('198.51.100.1', UA), early);
    assert.equal(hasher('10.0.0.42', UA), fresh('10.0.0.42'));
  });
});
