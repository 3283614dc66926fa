/**
 * The breakdowns of a link's clicks, in the order the stats show them: `name` is the value of the
 * rollup's `dimension` column, `field` the stats reply's list. Enrichment, rollups, stats and their
 * schema all follow this list, so a new breakdown is one line here plus its extractor.
 */
export const DIMENSIONS = [
  { name: 'referrer', field: 'referrers' },
  { name: 'browser', field: 'browsers' },
  { name: 'os', field: 'os' },
  { name: 'device', field: 'devices' },
  { name: 'country', field: 'countries' },
  // Only links with targeting rules have one: the URL each click was sent to.
  { name: 'target', field: 'targets' },
] as const;

export type Dimension = (typeof DIMENSIONS)[number]['name'];
export type DimensionField = (typeof DIMENSIONS)[number]['field'];

/** One value per breakdown field, e.g. the Counted list of each in the stats reply. */
export function byDimensionField<T>(make: (dimension: Dimension) => T): Record<DimensionField, T> {
  // Object.fromEntries loses the keys' types; DIMENSIONS lists every field, so the record is whole.
  return Object.fromEntries(DIMENSIONS.map((d) => [d.field, make(d.name)])) as Record<DimensionField, T>;
}
