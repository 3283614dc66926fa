import { useEffect, useRef } from 'preact/hooks';
import type { Interval, Point } from '../api/api.ts';

export type { Point };

/** Clicks per bucket as bars. The box keeps its height while loading, so nothing below it jumps. */
export function ClicksChart({ points, interval }: { points: readonly Point[]; interval: Interval }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let cleanup: (() => void) | null = null;
    let isCurrent = true;
    void import('./clicks-plot.ts').then(({ drawClicks }) => {
      if (isCurrent) cleanup = drawClicks(el, points, interval);
    });
    return () => {
      isCurrent = false;
      cleanup?.();
    };
  }, [points, interval]);
  const total = points.reduce((sum, p) => sum + p.count, 0);
  const peak = points.reduce<Point | null>((best, p) => (best === null || p.count > best.count ? p : best), null);
  const summary = peak && total > 0
    ? `Clicks over time: ${total} in ${points.length} ${interval === 'hour' ? 'hours' : 'days'}, most (${peak.count}) on ${new Date(peak.t).toLocaleString()}`
    : 'Clicks over time: no clicks in this range';
  return <div ref={box} class="chart" role="img" aria-label={summary} />;
}
