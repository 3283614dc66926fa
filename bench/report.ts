import type { IngestResult } from './ingest.ts';
import type { LoadResult, Workload } from './load.ts';
import type { TargetName } from './targets.ts';

export interface Sample {
  name: TargetName;
  workload: Workload;
  load: LoadResult;
  /** Clicks /api/stats gained during the run; null where nothing counts clicks (the ceiling). */
  counted: number | null;
  /** The target's event-loop delay p99 over the run, ms; null where it is not measured. */
  loopP99Ms: number | null;
  /**
   * CPU per redirect answered, µs: the target's processes (every thread, until its clicks were
   * counted, so a writer's or analytics' work is in it, and so is their idle work while the stats
   * settle) and the load generator (this process, during the run). Null off Linux. What a target
   * costs, where req/s also says how the two CPUs were shared among it, the load and other tenants.
   */
  cpuUs: { server: number | null; load: number | null };
  /**
   * The ceiling's req/s and p99 in its slices just before and just after this run (same workload):
   * what this run's ratios are taken against. Absent on the ceiling's own samples.
   */
  ceiling?: { rps: [number, number]; p99: [number, number] };
}

/** What a target's database grew by over the run, for the clicks it stored. */
export interface StorageResult {
  target: string;
  bytes: number;
  clicks: number;
  /** Raw click rows in the database at the end: every click counted must be one. */
  rawRows: number | null;
}

/** Start time and memory of one process group in one round. */
export interface ProcessSample {
  group: string;
  startMs: number;
  idleRssMb: number | null;
  rssAfterMixMb: number | null;
}

export interface TargetRow {
  name: TargetName;
  workload: Workload;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  sent: number | null;
  counted: number | null;
  /** Median over rounds of req/s against the mean of the ceiling's two slices around that round's run. */
  ratio: number | null;
  /** The same for p99 latency: how many times the ceiling's p99 this target's p99 was. */
  p99Ratio: number | null;
  /** Runs whose two ceiling slices were more than CEILING_SPREAD_LIMIT apart: the machine changed speed during them. */
  unsteadyRuns: number;
  /** Median over rounds of the event-loop delay p99, ms. */
  loopP99: number | null;
  /** Medians over rounds of Sample.cpuUs. */
  serverCpuUs: number | null;
  loadCpuUs: number | null;
  pass: boolean;
  rpsRounds: number[];
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const medianOrNull = (values: (number | null)[]) => {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? median(known) : null;
};

/** How many times the larger of two readings is the smaller. */
const spread = ([a, b]: [number, number]) => Math.max(a, b) / Math.min(a, b);

/**
 * The median over runs of `value(run) / mean of the ceiling's two slices around it`; null when no
 * run was bracketed by the ceiling.
 */
function pairedMedian(group: Sample[], value: (s: Sample) => number, ceiling: (c: NonNullable<Sample['ceiling']>) => [number, number]) {
  const ratios = group.flatMap((s) => (s.ceiling ? [value(s) / ((ceiling(s.ceiling)[0] + ceiling(s.ceiling)[1]) / 2)] : []));
  return ratios.length ? round(median(ratios), 3) : null;
}

/**
 * Medians across rounds; clicks summed, and PASS only if every round counted exactly what was
 * sent and none of the target's rounds failed (`failed`).
 */
export function summarise(samples: Sample[], failed: ReadonlySet<TargetName>): TargetRow[] {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) groups.set(`${s.name}|${s.workload}`, [...(groups.get(`${s.name}|${s.workload}`) ?? []), s]);
  const rows = [...groups.values()].map((group): TargetRow => {
    const { name, workload } = group[0]!;
    const clicked = group[0]!.counted !== null;
    const sent = group.reduce((n, s) => n + s.load.redirects, 0);
    return {
      name,
      workload,
      rps: median(group.map((s) => s.load.rps)),
      p50: median(group.map((s) => s.load.p50)),
      p99: median(group.map((s) => s.load.p99)),
      errors: group.reduce((n, s) => n + s.load.errors, 0),
      sent: clicked ? sent : null,
      counted: clicked ? group.reduce((n, s) => n + (s.counted ?? 0), 0) : null,
      ratio: name === 'ceiling' ? 1 : pairedMedian(group, (s) => s.load.rps, (c) => c.rps),
      p99Ratio: name === 'ceiling' ? 1 : pairedMedian(group, (s) => s.load.p99, (c) => c.p99),
      unsteadyRuns: group.filter((s) => s.ceiling && spread(s.ceiling.rps) > CEILING_SPREAD_LIMIT).length,
      loopP99: medianOrNull(group.map((s) => s.loopP99Ms)),
      serverCpuUs: medianOrNull(group.map((s) => s.cpuUs.server)),
      loadCpuUs: medianOrNull(group.map((s) => s.cpuUs.load)),
      pass: !failed.has(name) && sent > 0 && group.every((s) => !s.load.cut && (s.counted === null || s.counted === s.load.redirects)),
      rpsRounds: group.map((s) => Math.round(s.load.rps)),
    };
  });
  const us = (n: number | null) => (n === null ? null : round(n, 2));
  return rows.map((r) => ({ ...r, rps: round(r.rps, 0), p50: round(r.p50, 3), p99: round(r.p99, 3), serverCpuUs: us(r.serverCpuUs), loadCpuUs: us(r.loadCpuUs) }));
}

/** How far apart two ceiling readings may be before the machine is said to have changed speed between them. */
export const CEILING_SPREAD_LIMIT = 1.2;

/**
 * What the ceiling says about the machine. A bare `node:http` server does the same work every time,
 * so its slices running more than CEILING_SPREAD_LIMIT apart is the machine changing speed (another
 * tenant): over the whole run, which the bracketing absorbs (a note says by how much), or within
 * one target run, between the slices just before and after it (a note per target and workload, with
 * how many of its runs; those ratios are the least sure).
 */
export function ceilingNotes(rows: readonly TargetRow[]): string[] {
  const overRun = rows
    .filter((r) => r.name === 'ceiling' && r.rpsRounds.length > 1 && Math.min(...r.rpsRounds) > 0)
    .flatMap((r) => {
      const [low, high] = [Math.min(...r.rpsRounds), Math.max(...r.rpsRounds)];
      if (high / low <= CEILING_SPREAD_LIMIT) return [];
      return [`the ceiling's ${r.workload} slices ran ${low} to ${high} req/s over the run, ${(high / low).toFixed(2)}x apart: the machine changed speed, and each "x ceiling" is taken against the slices just before and after its own run`];
    });
  const withinRun = rows
    .filter((r) => r.unsteadyRuns > 0)
    .map((r) => `${r.name} ${r.workload}: in ${r.unsteadyRuns} of ${r.rpsRounds.length} run(s) the ceiling's slices before and after were more than ${CEILING_SPREAD_LIMIT}x apart (the machine changed speed during the run); "x ceiling" is the median over all its runs`);
  return [...overRun, ...withinRun];
}

export function summariseProcesses(samples: ProcessSample[]) {
  const groups = [...new Set(samples.map((s) => s.group))];
  return groups.map((group) => {
    const mine = samples.filter((s) => s.group === group);
    const mb = (n: number | null) => (n === null ? null : round(n, 1));
    return {
      group,
      startMs: Math.round(median(mine.map((s) => s.startMs))),
      idleRssMb: mb(medianOrNull(mine.map((s) => s.idleRssMb))),
      rssAfterMixMb: mb(medianOrNull(mine.map((s) => s.rssAfterMixMb))),
    };
  });
}

export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const fixed = (n: number | null, digits = 1) => (n === null || Number.isNaN(n) ? 'n/a' : n.toFixed(digits));

export function formatText(
  rows: TargetRow[],
  processes: ReturnType<typeof summariseProcesses>,
  ingest: IngestResult[],
  notes: string[],
  storage: StorageResult[] = [],
  goals: string[][] = [],
): string {
  const main = table(
    ['target', 'workload', 'req/s', 'p50 ms', 'p99 ms', 'loop p99 ms', 'CPU us/req server', 'CPU us/req load', 'errors', 'clicks counted/sent', 'x ceiling', 'p99 x ceiling', 'result'],
    rows.map((r) => [
      r.name,
      r.workload,
      Math.round(r.rps),
      fixed(r.p50, 2),
      fixed(r.p99, 2),
      fixed(r.loopP99, 1),
      fixed(r.serverCpuUs, 1),
      fixed(r.loadCpuUs, 1),
      r.errors,
      r.sent === null ? 'n/a' : `${r.counted}/${r.sent}`,
      fixed(r.ratio, 2),
      fixed(r.p99Ratio, 2),
      r.pass ? 'PASS' : 'FAIL',
    ]),
  );
  const procs = table(
    ['process', 'start->healthy ms', 'idle RSS MB', 'RSS after mix MB'],
    processes.map((p) => [p.group, Math.round(p.startMs), fixed(p.idleRssMb), fixed(p.rssAfterMixMb)]),
  );
  const ing = table(
    ['click ingestion', 'events', 'batch', 'events/s', 'call p50 ms', 'call p99 ms', 'bytes/click'],
    ingest.map((i) => [i.db, i.events, i.batch, Math.round(i.eventsPerSec), i.callMs.p50, i.callMs.p99, i.bytesPerClick ?? '-']),
  );
  const store = storage.map(
    (s) =>
      `storage: ${s.target} grew ${(s.bytes / 1e6).toFixed(1)} MB for ${s.clicks} clicks: ${s.clicks ? Math.round(s.bytes / s.clicks) : 'n/a'} bytes per stored click (rollups and WAL included); ` +
      `raw click rows ${s.rawRows ?? 'n/a'}${s.rawRows === null ? '' : s.rawRows === s.clicks ? ' (= clicks counted)' : ' (MISMATCH with clicks counted)'}`,
  );
  const goalTable = goals.length ? ['', table(['goal (issue #12)', 'measured', 'bound', 'result'], goals)] : [];
  return [main, ...goalTable, '', procs, '', ing, '', ...store, ...notes].join('\n');
}
