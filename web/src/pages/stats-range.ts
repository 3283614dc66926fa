import type { Interval } from '../api/api.ts';
import type { Point } from '../api/api.ts';

export type Preset = '24h' | '7d' | '30d' | 'custom';

export const PRESETS: readonly (readonly [Preset, string])[] = [
  ['24h', '24 h'],
  ['7d', '7 d'],
  ['30d', '30 d'],
  ['custom', 'Custom'],
];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SPAN: Record<Exclude<Preset, 'custom'>, number> = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY };

/** The interval that gives a readable number of bars for a preset. */
export const defaultInterval = (preset: Preset): Interval => (preset === '24h' ? 'hour' : 'day');

/** A preset as an absolute range ending now. */
export function presetRange(preset: Exclude<Preset, 'custom'>, now = Date.now()): { from: number; to: number } {
  return { from: now - SPAN[preset], to: now };
}

const step = (interval: Interval) => (interval === 'hour' ? HOUR : DAY);
/** The server's buckets start on the UTC hour or the UTC day. */
const bucketStart = (t: number, interval: Interval) => t - (t % step(interval));

/**
 * The server lists only buckets with clicks; the chart wants every bucket of the range, empty ones
 * as 0, so a quiet day shows as a gap and not as a line drawn across it.
 */
export function fillSeries(series: readonly { t: string; count: number }[], from: number, to: number, interval: Interval): Point[] {
  const counts = new Map(series.map((p) => [Date.parse(p.t), p.count]));
  const first = bucketStart(from, interval);
  // A range too long to draw bucket by bucket: the server's points alone.
  if ((to - first) / step(interval) > 2_000) return [...counts].map(([t, count]) => ({ t, count })).sort((a, b) => a.t - b.t);
  const points: Point[] = [];
  for (let t = first; t <= to; t += step(interval)) points.push({ t, count: counts.get(t) ?? 0 });
  return points;
}
