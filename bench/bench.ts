import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { MIX_LINKS } from './codes.ts';
import { goalRows, judgeGoals } from './goals.ts';
import { measureIngest, type IngestResult } from './ingest.ts';
import { postgresAnswers, revision, serverRuntime } from './process.ts';
import { ceilingNotes, formatText, summarise, summariseProcesses, type StorageResult } from './report.ts';
import { log, runRounds } from './rounds.ts';
import { runScale } from './scale.ts';
import { ceilingTarget, fleetTarget, hopFloorTarget, monolithTarget, noClickTarget, type Target } from './targets.ts';

export const USAGE = `Usage: node --import tsx bench/bench.ts [options]   (or: npm run bench -- [options])

  --quick                one short round, the whole run within a minute
  --rounds N             rounds of every target, alternating A B A B (default 3)
  --duration S           seconds per target and workload (default 10; 2 with --quick); the
                         ceiling runs for 0.3 of that just before and just after each of them
  --connections N        keep-alive connections (default 32)
  --micro-db sqlite|postgres   the fleet's database (default sqlite)
  --only A,B             only these targets (by group: fastpath-no-click, hop-floor, monolith-sqlite,
                         monolith-sqlite-inline, monolith-postgres, micro) beside the ceiling,
                         and no ingestion probe unless "ingest" is listed; any other name is refused
  --json                 print only one JSON object on stdout; progress goes to stderr
  --scale                the large-data mode instead: 1,000,000 links, 10,000,000 clicks
  --db sqlite|postgres|both    databases for --scale (default both)`;

/** What --only can name: a target's group, or the ingestion probe. */
const ONLY_GROUPS = ['fastpath-no-click', 'hop-floor', 'monolith-sqlite', 'monolith-sqlite-inline', 'monolith-postgres', 'micro', 'ingest'] as const;

export function parseOptions(args: string[]) {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      scale: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string', default: '32' },
      'micro-db': { type: 'string', default: 'sqlite' },
      db: { type: 'string', default: 'both' },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const count = (name: string, raw: string | undefined, fallback: number) => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} expects a positive integer, got "${raw}"`);
    return n;
  };
  const oneOf = <T extends string>(name: string, raw: string, allowed: readonly T[]): T => {
    if (!allowed.includes(raw as T)) throw new Error(`--${name} expects one of ${allowed.join(', ')}, got "${raw}"`);
    return raw as T;
  };
  return {
    help: values.help,
    quick: values.quick,
    json: values.json,
    scale: values.scale,
    rounds: values.quick ? 1 : count('rounds', values.rounds, 3),
    seconds: count('duration', values.duration, values.quick ? 2 : 10),
    connections: count('connections', values.connections, 32),
    microDb: oneOf('micro-db', values['micro-db'], ['sqlite', 'postgres'] as const),
    scaleDbs: oneOf('db', values.db, ['sqlite', 'postgres', 'both'] as const),
    only: values.only === undefined ? null : new Set(values.only.split(',').map((name) => oneOf('only', name.trim(), ONLY_GROUPS))),
  };
}

export type BenchOptions = ReturnType<typeof parseOptions>;

// The ingestion probe: enough events for a steady rate, fewer under --quick's one-minute budget.
const INGEST_EVENTS = { full: 200_000, quick: 20_000 };
const INGEST_BATCH = 5_000;

/** Prepares every target it can; PostgreSQL targets are skipped, with a note, when it does not answer. */
async function prepareTargets(o: BenchOptions, hasPostgres: boolean, notes: string[]): Promise<Target[]> {
  const skip = (name: string) => notes.push(`skipped ${name}: PostgreSQL does not answer on 127.0.0.1:5432`);
  if (!hasPostgres) skip('monolith-postgres and the PostgreSQL ingestion probe');
  if (!hasPostgres && o.microDb === 'postgres') skip('micro-redirector and micro-gateway (--micro-db postgres)');
  const wanted = (name: (typeof ONLY_GROUPS)[number]) => o.only === null || o.only.has(name);
  // Independent databases: prepared side by side, before anything is timed.
  const prepared = await Promise.all([
    wanted('fastpath-no-click') ? Promise.resolve(noClickTarget()) : null,
    wanted('monolith-sqlite') ? monolithTarget('sqlite') : null,
    // CLICK_WRITER=inline measured beside the default (auto: the writer on a thread with two CPUs or more), as issue #12 asks.
    wanted('monolith-sqlite-inline') ? monolithTarget('sqlite', 'inline') : null,
    hasPostgres && wanted('monolith-postgres') ? monolithTarget('postgres') : null,
    wanted('hop-floor') ? Promise.resolve(hopFloorTarget()) : null,
    (hasPostgres || o.microDb === 'sqlite') && wanted('micro') ? fleetTarget(o.microDb) : null,
  ]);
  return prepared.filter((t): t is Target => t !== null);
}

export async function runBench(args: string[]): Promise<{ pass: boolean }> {
  const o = parseOptions(args);
  if (o.help) {
    console.log(USAGE);
    return { pass: true };
  }
  if (o.scale) return runScale(o);
  const started = performance.now();
  // Other work on the machine moves every number; the load at the start says how much.
  const loadAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
  const notes: string[] = [];
  const runtime = serverRuntime();
  const measuredRevision = revision();
  const hasPostgres = await postgresAnswers();
  log(`preparing targets (migrate, user, ${MIX_LINKS} links each)`);
  const targets = await prepareTargets(o, hasPostgres, notes);
  try {
    const { samples, processes, failures } = await runRounds(ceilingTarget(), targets, o);
    notes.push(...failures.map((f) => `FAIL: ${f.message}`));
    const ingest: IngestResult[] = [];
    const probes = o.only !== null && !o.only.has('ingest') ? [] : hasPostgres ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
    for (const db of probes) {
      log(`ingestion into ${db}`);
      ingest.push(await measureIngest(db, o.quick ? INGEST_EVENTS.quick : INGEST_EVENTS.full, INGEST_BATCH));
    }
    const rows = summarise(samples, new Set(failures.flatMap((f) => f.names)));
    notes.push(...ceilingNotes(rows));
    // Bytes the SQLite file grew by, over the clicks it stored in every round.
    const storage: StorageResult[] = targets.flatMap((t) => {
      const bytes = t.storedBytes?.() ?? null;
      if (bytes === null) return [];
      const clicks = rows.filter((r) => t.names.includes(r.name)).reduce((n, r) => n + (r.counted ?? 0), 0);
      return [{ target: t.group, bytes, clicks, rawRows: t.rawClicks?.() ?? null }];
    });
    const procs = summariseProcesses(processes);
    const wallSeconds = (performance.now() - started) / 1000;
    const settings = {
      date: new Date().toISOString(),
      rounds: o.rounds,
      secondsPerRun: o.seconds,
      connections: o.connections,
      microDb: o.microDb,
      revision: measuredRevision,
      serverRuntime: runtime,
      node: process.version,
      cpus: cpus().length,
      loadAverageAtStart: loadAtStart,
      wallSeconds: Math.round(wallSeconds * 10) / 10,
    };
    if (serverRuntime() !== runtime) notes.push(`the sources changed during the run: servers started later ran from ${serverRuntime()}`);
    // Issue #12's goals read off this run: met, or how far off (not a pass or fail of the run).
    const goals = judgeGoals(rows, ingest, storage);
    if (o.json) {
      console.log(JSON.stringify({ targets: rows, goals, processes: procs, ingest, storage, settings, notes }));
    } else {
      const header = `MorphLink redirect benchmark, ${settings.date}, revision ${settings.revision} (server from ${runtime}): ${o.rounds} round(s) of ${o.seconds} s per target and workload, ${o.connections} connections, node ${process.version}, ${settings.cpus} CPUs, load average ${loadAtStart.join(' ')} at start; wall time ${settings.wallSeconds} s`;
      console.log(`${header}\n\n${formatText(rows, procs, ingest, notes, storage, goalRows(goals))}`);
    }
    const rawRowsMatch = storage.every((s) => s.rawRows === null || s.rawRows === s.clicks);
    return { pass: failures.length === 0 && rows.every((r) => r.pass) && rawRowsMatch };
  } finally {
    await Promise.all(targets.map((t) => t.dispose()));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runBench(process.argv.slice(2)).then(
    ({ pass }) => void (process.exitCode = pass ? 0 : 1),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 2;
    },
  );
}
