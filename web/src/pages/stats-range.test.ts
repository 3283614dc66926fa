import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fillSeries, presetRange } from './stats-range.ts';

const at = (iso: string) => Date.parse(iso);

test('when the server lists only busy days, then every day of the range is there, quiet ones as 0', () => {
  const points = fillSeries([{ t: '2026-11-28T00:00:00.000Z', count: 5 }], at('2026-11-26T13:00:00Z'), at('2026-11-29T09:00:00Z'), 'day');
  assert.deepEqual(points.map((p) => [new Date(p.t).toISOString().slice(0, 10), p.count]), [
    ['2026-11-26', 0], ['2026-11-27', 0], ['2026-11-28', 5], ['2026-11-29', 0],
  ]);
});

test('when the interval is hour, then buckets start on the UTC hour', () => {
  const points = fillSeries([{ t: '2026-11-30T11:00:00.000Z', count: 3 }], at('2026-11-30T09:30:00Z'), at('2026-11-30T11:10:00Z'), 'hour');
  assert.deepEqual(points.map((p) => p.count), [0, 0, 3]);
  assert.equal(new Date(points[0]!.t).toISOString(), '2026-11-30T09:00:00.000Z');
});

test('when a range is too long to fill bucket by bucket, then the server\'s points are kept as they are', () => {
  const points = fillSeries([{ t: '2026-01-02T00:00:00.000Z', count: 1 }], at('2025-01-01T00:00:00Z'), at('2026-11-30T00:00:00Z'), 'hour');
  assert.equal(points.length, 1);
});

test('when 7 d is chosen, then the range ends now and starts a week before', () => {
  assert.deepEqual(presetRange('7d', 1_000_000_000_000), { from: 1_000_000_000_000 - 7 * 86_400_000, to: 1_000_000_000_000 });
});
