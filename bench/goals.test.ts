import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goalRows, judgeGoals, type GoalResult } from './goals.ts';
import type { IngestResult } from './ingest.ts';
import type { Workload } from './load.ts';
import { formatText, type TargetRow } from './report.ts';
import type { TargetName } from './targets.ts';

const targetRow = (name: TargetName, workload: Workload, rps: number, ratio: number, p99Ratio = 1): TargetRow => ({
  name, workload, rps, p50: 1, p99: 2, errors: 0, sent: null, counted: null, ratio, p99Ratio, unsteadyRuns: 0,
  loopP99: null, serverCpuUs: null, loadCpuUs: null, pass: true, rpsRounds: [rps],
});

const ingest = (db: IngestResult['db'], eventsPerSec: number): IngestResult => ({
  db, events: 200_000, batch: 5_000, eventsPerSec, eventsPerCpuSec: eventsPerSec, callMs: { p50: 1, p99: 2 }, load: [],
});

// Round ten's last run (16009ac), as its table printed it.
const ROUND_TEN = {
  rows: [
    targetRow('monolith-sqlite', 'hot', 80_896, 0.56, 1.84),
    targetRow('monolith-sqlite', 'mix', 44_838, 0.72, 3.07),
    targetRow('micro-redirector', 'hot', 84_632, 0.82),
    targetRow('micro-redirector', 'mix', 43_085, 0.66),
    targetRow('micro-gateway', 'hot', 26_002, 0.29),
    targetRow('micro-gateway', 'mix', 18_861, 0.32),
  ],
  ingest: [ingest('sqlite', 164_330), ingest('postgres', 79_499)],
  storage: [{ target: 'monolith-sqlite', bytes: 142_200_000, clicks: 3_699_127, rawRows: 3_699_127 }],
};

const byGoal = (goals: GoalResult[], start: string) => {
  const found = goals.find((g) => g.goal.startsWith(start));
  assert.ok(found, `no goal starting "${start}"`);
  return found;
};

describe('bench: issue #12\'s goals read off one run', () => {
  it('when a run is round ten\'s last, then the goals it missed say by how much, and the rest are met', () => {
    const goals = judgeGoals(ROUND_TEN.rows, ROUND_TEN.ingest, ROUND_TEN.storage);
    assert.deepEqual(
      goals.filter((g) => g.met === false).map((g) => [g.goal, g.short]),
      [
        ['monolith-sqlite hot, x ceiling', 'short by 0.140 (20%)'],
        ["monolith-sqlite mix p99, x ceiling's", 'over by 0.070 (2%)'],
        ['micro-gateway hot, x ceiling', 'short by 0.210 (42%)'],
        ['micro-gateway mix, x ceiling', 'short by 0.180 (36%)'],
      ],
    );
    // Each x ceiling over the other's: 0.82 / 0.56 and 0.66 / 0.72.
    assert.equal(byGoal(goals, 'micro-redirector hot').measured, 1.464);
    assert.equal(byGoal(goals, 'micro-redirector mix').measured, 0.917);
    assert.equal(byGoal(goals, 'monolith-sqlite bytes').measured, 38);
    assert.equal(byGoal(goals, 'ingestion PostgreSQL').met, true);
    assert.ok(goals.every((g) => g.met !== null));
  });

  it('when the machine slowed between two targets\' runs, then one over the other compares them each against its own ceiling, not their req/s', () => {
    // Round eleven's last run (d7a6e1e): the fleet's mix ran while the ceiling's slices answered
    // about 18,000 req/s, the monolith's while they answered about 24,800.
    const rows = [targetRow('monolith-sqlite', 'mix', 17_838, 0.72), targetRow('micro-redirector', 'mix', 10_632, 0.59)];
    const mix = byGoal(judgeGoals(rows, [], []), 'micro-redirector mix');
    assert.equal(mix.measured, 0.819);
    assert.equal(mix.met, true);
    const slower = byGoal(judgeGoals([rows[0]!, targetRow('micro-redirector', 'mix', 10_632, 0.5)], [], []), 'micro-redirector mix');
    assert.deepEqual([slower.measured, slower.short], [0.694, 'short by 0.106 (13%)']);
  });

  it('when a ratio is just under its bound, then it is not met, though two decimals would have shown the bound', () => {
    const goals = judgeGoals([targetRow('monolith-sqlite', 'hot', 70_000, 0.695)], [], []);
    const hot = byGoal(goals, 'monolith-sqlite hot');
    assert.equal(hot.met, false);
    assert.equal(hot.short, 'short by 0.005 (1%)');
  });

  it('when a target was left out (--only), then its goals say they were not measured, and the table shows each goal once', () => {
    const goals = judgeGoals([targetRow('monolith-sqlite', 'hot', 70_000, 0.71), targetRow('monolith-sqlite', 'mix', 40_000, 0.6, 2.5)], [], []);
    assert.equal(byGoal(goals, 'micro-gateway hot').met, null);
    assert.equal(byGoal(goals, 'ingestion SQLite').short, 'not measured in this run');
    const text = formatText([], [], [], [], [], goalRows(goals));
    assert.match(text, /monolith-sqlite hot, x ceiling\s+0\.710\s+>= 0\.700\s+met/);
    assert.match(text, /micro-gateway hot, x ceiling\s+n\/a\s+>= 0\.500\s+not measured in this run/);
    assert.equal(text.match(/micro-gateway/g)?.length, 2);
  });
});
