import type { IngestResult } from './ingest.ts';
import type { StorageResult, TargetRow } from './report.ts';
import type { TargetName } from './targets.ts';
import type { Workload } from './load.ts';

/** One goal of issue #12 as this run measured it. */
export interface GoalResult {
  goal: string;
  /** What the run measured, as printed; null when it did not measure it (a target left out by --only). */
  measured: number | null;
  /** `at least` or `at most` the bound. */
  bound: { atLeast: number } | { atMost: number };
  /** null: not measured. */
  met: boolean | null;
  /** How far from the bound a goal not met is, in its own unit and as a share of the bound. */
  short: string;
}

interface Goal {
  goal: string;
  bound: GoalResult['bound'];
  digits: number;
  measure(run: Run): number | null;
}

interface Run {
  rows: readonly TargetRow[];
  ingest: readonly IngestResult[];
  storage: readonly StorageResult[];
}

const row = (run: Run, name: TargetName, workload: Workload) => run.rows.find((r) => r.name === name && r.workload === workload) ?? null;

/**
 * One target over another, same workload, each as its "x ceiling": the two ran minutes apart on a
 * machine whose speed moved up to 2.6x within a run (round eleven), so their req/s alone compare
 * the machine's moments as much as the targets; each against the ceiling slices of its own run
 * compares the targets.
 */
function over(run: Run, name: TargetName, base: TargetName, workload: Workload): number | null {
  const [top, bottom] = [row(run, name, workload)?.ratio ?? null, row(run, base, workload)?.ratio ?? null];
  return top !== null && bottom !== null && bottom > 0 ? top / bottom : null;
}

const ingestion = (run: Run, db: IngestResult['db']) => run.ingest.find((i) => i.db === db)?.eventsPerSec ?? null;

/** A ratio, judged and shown to three decimals: as the rows keep it (report.ts), so 0.695 is not 0.70. */
const ratio = (goal: string, bound: GoalResult['bound'], measure: Goal['measure']): Goal => ({ goal, bound, digits: 3, measure });

/** Issue #12's "Done when" and its microservices goals, each read off one run. */
const GOALS: Goal[] = [
  ratio('monolith-sqlite hot, x ceiling', { atLeast: 0.7 }, (run) => row(run, 'monolith-sqlite', 'hot')?.ratio ?? null),
  ratio('monolith-sqlite mix, x ceiling', { atLeast: 0.55 }, (run) => row(run, 'monolith-sqlite', 'mix')?.ratio ?? null),
  ratio('monolith-sqlite mix p99, x ceiling\'s', { atMost: 3 }, (run) => row(run, 'monolith-sqlite', 'mix')?.p99Ratio ?? null),
  ratio('micro-redirector hot, x monolith-sqlite', { atLeast: 0.8 }, (run) => over(run, 'micro-redirector', 'monolith-sqlite', 'hot')),
  ratio('micro-redirector mix, x monolith-sqlite', { atLeast: 0.8 }, (run) => over(run, 'micro-redirector', 'monolith-sqlite', 'mix')),
  ratio('micro-gateway hot, x ceiling', { atLeast: 0.5 }, (run) => row(run, 'micro-gateway', 'hot')?.ratio ?? null),
  ratio('micro-gateway mix, x ceiling', { atLeast: 0.5 }, (run) => row(run, 'micro-gateway', 'mix')?.ratio ?? null),
  { goal: 'ingestion SQLite, events/s', bound: { atLeast: 100_000 }, digits: 0, measure: (run) => ingestion(run, 'sqlite') },
  { goal: 'ingestion PostgreSQL, events/s', bound: { atLeast: 50_000 }, digits: 0, measure: (run) => ingestion(run, 'postgres') },
  {
    goal: 'monolith-sqlite bytes per stored click',
    bound: { atMost: 80 },
    digits: 0,
    measure: (run) => {
      const s = run.storage.find((t) => t.target === 'monolith-sqlite');
      return s && s.clicks > 0 ? s.bytes / s.clicks : null;
    },
  },
];

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const digitsOf = (goal: string) => GOALS.find((g) => g.goal === goal)?.digits ?? 2;

/** The goals as a table's rows: goal, measured, bound, result. */
export function goalRows(goals: readonly GoalResult[]): string[][] {
  return goals.map((g) => {
    const digits = digitsOf(g.goal);
    const bound = 'atLeast' in g.bound ? `>= ${g.bound.atLeast.toFixed(digits)}` : `<= ${g.bound.atMost.toFixed(digits)}`;
    const result = g.met === null ? g.short : g.met ? 'met' : `NOT MET: ${g.short}`;
    return [g.goal, g.measured === null ? 'n/a' : g.measured.toFixed(digits), bound, result];
  });
}

/**
 * Each goal against this run's figures: met, or how far off. A figure is judged as the goals'
 * table prints it (ratios to three decimals, rates and bytes whole), so the two never disagree.
 * Correctness (counted == sent, raw rows) is the main table's PASS/FAIL and the exit code, not a
 * goal here.
 */
export function judgeGoals(rows: readonly TargetRow[], ingest: readonly IngestResult[], storage: readonly StorageResult[]): GoalResult[] {
  const run = { rows, ingest, storage };
  return GOALS.map(({ goal, bound, digits, measure }) => {
    const raw = measure(run);
    if (raw === null || Number.isNaN(raw)) return { goal, measured: null, bound, met: null, short: 'not measured in this run' };
    const measured = round(raw, digits);
    const limit = 'atLeast' in bound ? bound.atLeast : bound.atMost;
    const met = 'atLeast' in bound ? measured >= limit : measured <= limit;
    const gap = Math.abs(measured - limit);
    const short = met ? '' : `${'atLeast' in bound ? 'short by' : 'over by'} ${round(gap, digits).toFixed(digits)} (${Math.round((100 * gap) / limit)}%)`;
    return { goal, measured, bound, met, short };
  });
}
