import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHROME_UA, clickEvent } from '../../../test/support/test-support.ts';
import { DIMENSIONS } from './analytics.dimensions.ts';
import { classifyAgent, dimensionsOf } from './analytics.enrich.ts';
import { rollupOf } from './analytics.rollup.ts';
import { LinkStatsSchema } from './analytics.schemas.ts';

describe('the dimensions of a click (no database)', () => {
  it('when a click is enriched and rolled up, then every dimension of DIMENSIONS gets a value and a stats list', () => {
    const click = clickEvent('l1', { userAgent: CHROME_UA, referrer: 'https://news.example.com/x', country: 'fr', target: 'https://example.com/de' });
    assert.deepEqual(dimensionsOf(click, classifyAgent(click.userAgent)).map((d) => d.dimension), DIMENSIONS.map((d) => d.name));
    const rolled = rollupOf([click]).dimensions;
    assert.deepEqual(rolled.map((d) => d.dimension), DIMENSIONS.map((d) => d.name));
    assert.equal(rolled.find((d) => d.dimension === 'country')?.value, 'FR');
    for (const { field } of DIMENSIONS) assert.ok(field in LinkStatsSchema.properties, `LinkStatsSchema lacks ${field}`);
  });
});
