import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoadResult, Workload } from './load.ts';
import { ceilingNotes, summarise, type Sample } from './report.ts';
import type { TargetName } from './targets.ts';

const sample = (name: TargetName, workload: Workload, rps: number): Sample => {
  const load: LoadResult = { rps, p50: 1, p99: 2, errors: 0, redirects: rps * 10, cut: false };
  return { name, workload, load, counted: name === 'ceiling' ? null : rps * 10, loopP99Ms: null, cpuUs: { server: null, load: null } };
};

describe('bench: the ceiling as a yardstick', () => {
  it('when the ceiling\'s rounds are more than 1.2x apart, then a note says that workload\'s ratios do not hold, and names its rounds', () => {
    // Round nine's second run (5d61a87): the ceiling ran 38.5k, then 26.3k and 26.2k hot, while the fast path ran 43.4k and 40.3k.
    const rows = summarise(
      [
        sample('ceiling', 'hot', 38_478), sample('ceiling', 'mix', 23_832), sample('monolith-sqlite', 'hot', 34_155),
        sample('ceiling', 'hot', 26_306), sample('ceiling', 'mix', 21_145), sample('monolith-sqlite', 'hot', 29_056),
        sample('ceiling', 'hot', 26_204), sample('ceiling', 'mix', 22_295), sample('monolith-sqlite', 'hot', 23_366),
      ],
      new Set(),
    );
    const notes = ceilingNotes(rows);
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /ceiling's hot rounds ran 38478 \/ 26306 \/ 26204 req\/s, 1\.47x apart/);
    assert.match(notes[0]!, /"x ceiling" for hot does not hold/);
  });

  it('when the ceiling\'s rounds agree within 1.2x, or there is one round, then there is no note', () => {
    const steady = summarise([sample('ceiling', 'hot', 40_000), sample('ceiling', 'hot', 47_000), sample('ceiling', 'hot', 44_000)], new Set());
    const once = summarise([sample('ceiling', 'hot', 40_000)], new Set());
    assert.deepEqual([ceilingNotes(steady), ceilingNotes(once)], [[], []]);
  });
});
