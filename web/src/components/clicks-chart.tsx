import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Interval } from '../api/api.ts';

export interface Point {
  /** Bucket start, ms since the epoch. */
  t: number;
  count: number;
}

const HEIGHT = 240;

/** Canvas needs real colours: read the theme's from CSS custom properties. */
function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

const STEP_S: Record<Interval, number> = { hour: 3_600, day: 86_400 };

/** One label per day bucket, thinned to fit: uPlot's own time splits would put two on one day. */
function daySplits(u: uPlot): number[] {
  const xs = (u.data[0] ?? []) as number[];
  const every = Math.max(1, Math.ceil(xs.length / Math.max(1, Math.floor(u.bbox.width / devicePixelRatio / 70))));
  return xs.filter((_, i) => i % every === 0);
}

function options(width: number, interval: Interval): uPlot.Options {
  const accent = themeColor('--accent', '#2f5bd3');
  const text = themeColor('--muted', '#667');
  const grid = themeColor('--line', '#dde');
  const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  return {
    width,
    height: HEIGHT,
    padding: [12, 8, 0, 0],
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    legend: { show: true, live: true },
    scales: {
      // Half a bucket either side, so the first and last bars are drawn whole.
      x: { time: true, range: (_u, min, max) => [min - STEP_S[interval] / 2, max + STEP_S[interval] / 2] },
      y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] },
    },
    axes: [
      interval === 'hour' ? axis : { ...axis, splits: daySplits, values: '{D} {MMM}' },
      {
        ...axis,
        // Wide enough for the longest label ("60,000"), measured in characters.
        size: (_u, values) => 16 + 8 * Math.max(2, ...(values ?? []).map((v) => String(v).length)),
        values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? t.toLocaleString() : '')),
      },
    ],
    series: [
      { value: interval === 'hour' ? '{D} {MMM} {HH}:00' : '{D} {MMM} {YYYY}' },
      { label: 'Clicks', stroke: accent, fill: `${accent}cc`, width: 0, paths: uPlot.paths.bars?.({ size: [0.7, 48] }), points: { show: false } },
    ],
  };
}

/** Clicks per bucket as bars. The box keeps its height while loading, so nothing below it jumps. */
export function ClicksChart({ points, interval }: { points: readonly Point[]; interval: Interval }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const data: uPlot.AlignedData = [points.map((p) => p.t / 1000), points.map((p) => p.count)];
    const plot = new uPlot(options(el.clientWidth, interval), data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [points, interval]);
  const total = points.reduce((sum, p) => sum + p.count, 0);
  const peak = points.reduce<Point | null>((best, p) => (best === null || p.count > best.count ? p : best), null);
  const summary = peak && total > 0
    ? `Clicks over time: ${total} in ${points.length} ${interval === 'hour' ? 'hours' : 'days'}, most (${peak.count}) on ${new Date(peak.t).toLocaleString()}`
    : 'Clicks over time: no clicks in this range';
  return <div ref={box} class="chart" role="img" aria-label={summary} />;
}
