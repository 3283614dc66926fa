import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOptions } from './bench.ts';

describe('bench options', () => {
  it('--only keeps the named groups, and "ingest"', () => {
    assert.deepEqual([...parseOptions(['--only', 'micro, monolith-sqlite,ingest']).only!], ['micro', 'monolith-sqlite', 'ingest']);
    assert.equal(parseOptions([]).only, null);
  });

  it('--only refuses a name that is no group, instead of measuring the ceiling alone', () => {
    assert.throws(() => parseOptions(['--only', 'micro-sqlite']), /--only expects one of fastpath-no-click, .*micro, ingest, got "micro-sqlite"/);
    assert.throws(() => parseOptions(['--only', 'monolith-sqlite,']), /got ""/);
  });
});
