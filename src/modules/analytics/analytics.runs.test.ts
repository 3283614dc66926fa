import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runsOf } from './analytics.runs.ts';

describe('runs of stored clicks (the rollup window markers, no database)', () => {
  it('when seqs follow each other in a batch, then they make one run; a gap, another batch or a step back starts a new one', () => {
    const keys = [0, 1, 2, 4, 5].map((seq) => ({ batch: 7, seq })).concat([{ batch: 8, seq: 6 }, { batch: 8, seq: 7 }, { batch: 8, seq: 3 }]);
    assert.deepEqual(runsOf(keys), [
      { batch: 7, lo: 0, hi: 2 },
      { batch: 7, lo: 4, hi: 5 },
      { batch: 8, lo: 6, hi: 7 },
      { batch: 8, lo: 3, hi: 3 },
    ]);
  });

  it('when ids were kept whole (seq -1), then each is a run of its own batch', () => {
    assert.deepEqual(runsOf([{ batch: 1, seq: -1 }, { batch: 2, seq: -1 }]), [
      { batch: 1, lo: -1, hi: -1 },
      { batch: 2, lo: -1, hi: -1 },
    ]);
  });
});
