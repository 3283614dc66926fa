/**
 * Prometheus' histogram_quantile over cumulative buckets (upper bound → count): linear
 * interpolation inside the bucket the rank falls in; null when nothing was observed. Pure, with no
 * Node import: the autopilot's signals and the dashboard's System page both use it.
 */
export function quantile(q: number, buckets: ReadonlyMap<number, number>): number | null {
  const sorted = [...buckets.entries()].sort(([a], [b]) => a - b);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Infinity) return lowerBound;
      return lowerBound + (bound - lowerBound) * ((rank - lowerCount) / Math.max(count - lowerCount, 1e-9));
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}
