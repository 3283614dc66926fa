import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoadResult, Workload } from './load.ts';
import { ceilingNotes, summarise, type Sample } from './report.ts';
import type { TargetName } from './targets.ts';

const sample = (name: TargetName, workload: Workload, rps: number, p99 = 2): Sample => {
  const load: LoadResult = { rps, p50: 1, p99, errors: 0, redirects: rps * 10, cut: false };
  return { name, workload, load, counted: name === 'ceiling' ? null : rps * 10, loopP99Ms: null, cpuUs: { server: null, load: null } };
};

/** A target's run with the ceiling's slices just before and after it, as bench/rounds.ts records them. */
const bracketed = (name: TargetName, workload: Workload, [before, run, after]: [number, number, number], p99s: [number, number, number] = [2, 2, 2]): Sample[] => [
  sample('ceiling', workload, before, p99s[0]),
  { ...sample(name, workload, run, p99s[1]), ceiling: { rps: [before, after], p99: [p99s[0], p99s[2]] } },
  sample('ceiling', workload, after, p99s[2]),
];

describe('bench: the ceiling as a yardstick', () => {
  it('when the machine changes speed between rounds, then each run is compared with the ceiling around it, not with the median ceiling', () => {
    // Round nine's second run (5d61a87): the ceiling ran 38.5k, then 26.3k and 26.2k hot. Each run below is 0.75x the slices around it.
    const rows = summarise(
      [
        ...bracketed('monolith-sqlite', 'hot', [38_000, 28_875, 39_000]),
        ...bracketed('monolith-sqlite', 'hot', [26_000, 19_725, 26_600]),
        ...bracketed('monolith-sqlite', 'hot', [26_200, 19_650, 26_200]),
      ],
      new Set(),
    );
    const monolith = rows.find((r) => r.name === 'monolith-sqlite')!;
    assert.equal(monolith.ratio, 0.75);
    // The old way, median over median, would have said 19,725 / 26,400 = 0.747 here, and 1.10x in round nine's real run.
    assert.equal(rows.find((r) => r.name === 'ceiling')!.ratio, 1);
    assert.equal(monolith.unsteadyRuns, 0);
  });

  it('when a target\'s p99 is measured, then "p99 x ceiling" is its p99 over the mean of the ceiling\'s p99 around it, the median over runs', () => {
    const rows = summarise(
      [
        ...bracketed('monolith-sqlite', 'mix', [20_000, 15_000, 20_000], [3, 9, 3]),
        ...bracketed('monolith-sqlite', 'mix', [20_000, 15_000, 20_000], [2, 5, 2]),
        ...bracketed('monolith-sqlite', 'mix', [20_000, 15_000, 20_000], [1, 4, 3]),
      ],
      new Set(),
    );
    assert.equal(rows.find((r) => r.name === 'monolith-sqlite')!.p99Ratio, 2.5);
  });

  it('when the ceiling\'s slices around one run are more than 1.2x apart, then a note names that target, workload and how many runs', () => {
    const rows = summarise(
      [
        ...bracketed('monolith-sqlite', 'hot', [40_000, 30_000, 40_000]),
        ...bracketed('monolith-sqlite', 'hot', [40_000, 25_000, 30_000]),
        ...bracketed('monolith-sqlite', 'hot', [40_000, 30_000, 40_000]),
      ],
      new Set(),
    );
    const notes = ceilingNotes(rows);
    assert.equal(rows.find((r) => r.name === 'monolith-sqlite')!.unsteadyRuns, 1);
    assert.ok(notes.some((n) => /^monolith-sqlite hot: in 1 of 3 run\(s\) the ceiling's slices before and after were more than 1\.2x apart/.test(n)), notes.join('\n'));
    assert.ok(notes.some((n) => /ceiling's hot slices ran 30000 to 40000 req\/s over the run, 1\.33x apart/.test(n)), notes.join('\n'));
  });

  it('when every slice of the ceiling agrees within 1.2x, or there is one, then there is no note', () => {
    const steady = summarise([...bracketed('monolith-sqlite', 'hot', [40_000, 30_000, 47_000]), ...bracketed('monolith-sqlite', 'hot', [44_000, 30_000, 44_000])], new Set());
    const once = summarise([sample('ceiling', 'hot', 40_000)], new Set());
    assert.deepEqual([ceilingNotes(steady), ceilingNotes(once)], [[], []]);
  });
});
