import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Interval, Point } from '../api/api.ts';

// uPlot and its CSS, in their own chunk: only the link page loads them (clicks-chart.tsx imports this lazily).

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

/** Draws the bars into `el`, follows its width; returns the cleanup. */
export function drawClicks(el: HTMLElement, points: readonly Point[], interval: Interval): () => void {
  const data: uPlot.AlignedData = [points.map((p) => p.t / 1000), points.map((p) => p.count)];
  const plot = new uPlot(options(el.clientWidth, interval), data, el);
  const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: HEIGHT }));
  resize.observe(el);
  return () => {
    resize.disconnect();
    plot.destroy();
  };
}
