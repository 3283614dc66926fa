import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joinEventId, splitEventId } from './analytics.event-id.ts';

describe('event ids as stored (no database)', () => {
  it('when an id is <batch>.<seq> in canonical base 36, then it is the batch key and the number', () => {
    assert.deepEqual(splitEventId('mik3x9a1-Qz4_Ab-3f.0'), { batch: 'mik3x9a1-Qz4_Ab-3f', seq: 0 });
    assert.deepEqual(splitEventId('mik3x9a1-Qz4_Ab-3f.1z'), { batch: 'mik3x9a1-Qz4_Ab-3f', seq: 71 });
    assert.deepEqual(splitEventId('b.zik0zj'), { batch: 'b', seq: 2 ** 31 - 1 });
  });

  it('when an id has no dot, or a seq that is not canonical, then it is kept whole with seq -1', () => {
    for (const id of ['0192f3a4-aaaa-7bbb-8ccc-dddddddddddd', 'x.01', 'x.A', 'x.', '.5', 'a.b.c', 'x.1234567', 'x.zzzzzz']) {
      assert.deepEqual(splitEventId(id), { batch: id, seq: -1 }, id);
    }
  });

  it('when distinct ids are split, then no two share a key, and each joins back to itself', () => {
    const ids = ['x', 'x.0', 'x.00', 'x.1', 'x.01', 'x.10', 'x.a', 'x.A', 'x..1', 'x.1.1', 'x.zzzzzz'];
    const keys = ids.map((id) => splitEventId(id)).map((s) => `${s.batch}|${s.seq}`);
    assert.equal(new Set(keys).size, ids.length);
    for (const id of ids) assert.equal(joinEventId(splitEventId(id)), id);
  });
});
