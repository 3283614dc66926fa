import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHROME_UA, clickEvent } from '../../../test/support/test-support.ts';
import { DIMENSIONS } from './analytics.dimensions.ts';
import { classifyAgent, dimensionsOf } from './analytics.enrich.ts';
import { EVENT_COLUMNS, EVENT_COLUMN_TYPES, eventValues, toEventRow, type EventRow } from './analytics.events.row.ts';
import { rollupOf } from './analytics.rollup.ts';
import { LinkStatsSchema } from './analytics.schemas.ts';

describe('the click event row and the dimensions (no database)', () => {
  it('when a row is bound positionally, then its values follow EVENT_COLUMNS exactly', () => {
    // Each column holds its own name: any slip in eventValues' order shows as a mismatch.
    const row = Object.fromEntries(EVENT_COLUMNS.map((c) => [c, c])) as unknown as EventRow;
    assert.deepEqual(eventValues(row), EVENT_COLUMNS);
    assert.deepEqual(Object.keys(toEventRow(clickEvent('l1'), false)).sort(), [...EVENT_COLUMNS].sort());
    assert.deepEqual(Object.keys(EVENT_COLUMN_TYPES), EVENT_COLUMNS);
  });

  it('when a click is enriched and rolled up, then every dimension of DIMENSIONS gets a value and a stats list', () => {
    const click = clickEvent('l1', { userAgent: CHROME_UA, referrer: 'https://news.example.com/x', country: 'fr' });
    assert.deepEqual(dimensionsOf(click, classifyAgent(click.userAgent)).map((d) => d.dimension), DIMENSIONS.map((d) => d.name));
    const rolled = rollupOf([click]).dimensions;
    assert.deepEqual(rolled.map((d) => d.dimension), DIMENSIONS.map((d) => d.name));
    assert.equal(rolled.find((d) => d.dimension === 'country')?.value, 'FR');
    for (const { field } of DIMENSIONS) assert.ok(field in LinkStatsSchema.properties, `LinkStatsSchema lacks ${field}`);
  });
});
