import { setTimeout as delay } from 'node:timers/promises';
import { untilQuiet } from './process.ts';
import { countClicks, describe, runLoad, waitForClicks, type Workload } from './load.ts';
import type { ProcessSample, Sample } from './report.ts';
import type { Endpoint, Running, Target, TargetName } from './targets.ts';

export interface RoundOptions {
  rounds: number;
  seconds: number;
  connections: number;
}

const WORKLOADS: Workload[] = ['hot', 'mix'];
// Lets start-up garbage be collected before "idle" memory is read.
const IDLE_SETTLE_MS = 500;
// The longest wait for a quiet machine before a run (see untilQuiet).
const QUIET_MAX_MS = 10_000;

const started = performance.now();
export const log = (message: string) =>
  process.stderr.write(`[bench +${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`);

/** What a scrape of the target's /metrics tells about a run (see scrape). */
interface Scraped {
  loopP99Ms: number | null;
  /** The link cache's lookups by result so far, and the links warmed at start; null where the endpoint has no cache. */
  cache: { hit: number; miss: number; warmed: number } | null;
}

const metric = (text: string, name: string, labels = '') => {
  const value = new RegExp(`^${name}(?:\\{${labels}[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1];
  return value === undefined ? null : Number(value);
};

/**
 * The target's event-loop delay p99 (prom-client's `nodejs_eventloop_lag_p99_seconds`, in ms): the
 * library resets its histogram on every scrape, so a scrape before and one after a run give the
 * run's own p99. Null where the process has no such metric (the ceiling). The link cache counters
 * say, for a redirector, how many of a run's lookups were answered from memory.
 */
async function scrape(url: string): Promise<Scraped> {
  const text = await fetch(`${url}/metrics`).then((r) => (r.ok ? r.text() : ''), () => '');
  const loop = metric(text, 'nodejs_eventloop_lag_p99_seconds');
  // A counter shows a result only once it has counted one (a fresh process, or a run with no miss).
  const hasCache = text.includes('# TYPE morphlink_link_cache_total');
  const count = (labels: string) => metric(text, 'morphlink_link_cache_total', labels) ?? 0;
  const cache = hasCache ? { hit: count('result="hit"'), miss: count('result="miss"'), warmed: metric(text, 'morphlink_link_cache_warmed_total') ?? 0 } : null;
  return { loopP99Ms: loop === null ? null : loop * 1000, cache };
}

/** The run's cache hits and misses, and the links warmed at start, for the log line. */
function cacheLine(before: Scraped['cache'], after: Scraped['cache']): string {
  if (before === null || after === null) return '';
  const [hits, misses] = [after.hit - before.hit, after.miss - before.miss];
  return `, link cache ${hits} hits ${misses} misses (warmed ${after.warmed} at start)`;
}

/** µs of CPU per redirect answered; null when either reading is missing or nothing was answered. */
const perRedirect = (seconds: number | null, redirects: number) => (seconds === null || redirects === 0 ? null : (seconds * 1e6) / redirects);

async function measure(endpoint: Endpoint, workload: Workload, running: Running, o: RoundOptions): Promise<Sample> {
  const { clicks } = running;
  // A ceiling slice taken while the last run's target still writes, or a run while a fresh process compiles, measures both.
  const settled = await untilQuiet(QUIET_MAX_MS);
  if (!settled.quiet) log(`  the machine did not become quiet within ${QUIET_MAX_MS / 1000} s; measuring ${endpoint.name} ${workload} anyway`);
  const before = clicks ? await countClicks(clicks) : 0;
  const scrapedBefore = await scrape(endpoint.url);
  const serverCpu = await running.cpuSeconds();
  const loadCpu = process.cpuUsage();
  const load = await runLoad(endpoint.url, workload, o.seconds, o.connections);
  const { user, system } = process.cpuUsage(loadCpu);
  const scrapedAfter = await scrape(endpoint.url);
  const { loopP99Ms } = scrapedAfter;
  const counted = clicks ? await waitForClicks(clicks, before, load.redirects) : null;
  // Read once the clicks are counted: storing them (a writer's thread, analytics) is part of a redirect's cost.
  const serverCpuAfter = await running.cpuSeconds();
  const cpuUs = {
    server: perRedirect(serverCpu === null || serverCpuAfter === null ? null : serverCpuAfter - serverCpu, load.redirects),
    load: perRedirect((user + system) / 1e6, load.redirects),
  };
  const check = counted === null ? '' : `, clicks ${counted}/${load.redirects}${counted === load.redirects ? '' : ' MISMATCH'}`;
  const loop = loopP99Ms === null ? '' : `, loop p99 ${loopP99Ms.toFixed(1)} ms`;
  const cpu = cpuUs.server === null ? '' : `, CPU µs/req server ${cpuUs.server.toFixed(1)} load ${cpuUs.load?.toFixed(1)}`;
  const cache = cacheLine(scrapedBefore.cache, scrapedAfter.cache);
  log(`  ${endpoint.name} ${workload}: ${Math.round(load.rps)} req/s, p99 ${load.p99.toFixed(2)} ms, errors ${load.errors}${check}${loop}${cpu}${cache}${load.cut ? ', CUT' : ''}`);
  return { name: endpoint.name, workload, load, counted, loopP99Ms, cpuUs };
}

/** Seconds of each ceiling slice beside a run: long enough for a steady rate, short enough to run twice per target run. */
const sliceSeconds = (seconds: number) => Math.max(1, Math.round(seconds * 0.3));

/**
 * The ceiling's two slices around one target run, for the same workload: the target is compared with
 * the machine as it was in those seconds, not with a ceiling measured minutes away. A shared machine
 * changed speed by up to 1.8x within a run (round nine), which no median across rounds undoes.
 */
async function bracketed(measureTarget: () => Promise<Sample>, ceiling: CeilingRun, workload: Workload, o: RoundOptions): Promise<Sample[]> {
  const slice = { ...o, seconds: sliceSeconds(o.seconds) };
  const before = await measure(ceiling.endpoint, workload, ceiling.running, slice);
  const sample = await measureTarget();
  const after = await measure(ceiling.endpoint, workload, ceiling.running, slice);
  return [before, { ...sample, ceiling: { rps: [before.load.rps, after.load.rps], p99: [before.load.p99, after.load.p99] } }, after];
}

interface CeilingRun {
  endpoint: Endpoint;
  running: Running;
}

/**
 * Every target once per round, in the same order each round (A B A B …), each a fresh process,
 * and every run of a target bracketed by two slices of the ceiling (started once per round and kept
 * running beside it). A fleet's two endpoints swap order every round, and the second gets a
 * restarted redirector, so neither always inherits the other's warm cache.
 */
export async function runRounds(ceiling: Target, targets: Target[], o: RoundOptions) {
  const samples: Sample[] = [];
  const processes: ProcessSample[] = [];
  const failures: Failure[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    log(`round ${round}/${o.rounds}: starting the ceiling`);
    const ceilingRunning = await ceiling.start().catch((error: unknown) => fail(failures, ceiling, round, error));
    if (!ceilingRunning) continue;
    const companion: CeilingRun = { endpoint: ceilingRunning.endpoints[0]!, running: ceilingRunning };
    try {
      await delay(IDLE_SETTLE_MS);
      processes.push({ group: ceiling.group, startMs: ceilingRunning.startMs, idleRssMb: await ceilingRunning.rssMb(), rssAfterMixMb: null });
      // Nothing to bracket (--only with no target): the ceiling alone, for the whole duration.
      if (targets.length === 0) for (const workload of WORKLOADS) samples.push(await measure(companion.endpoint, workload, ceilingRunning, o));
      for (const target of targets) await runTarget(target, round, companion, o, { samples, processes, failures });
    } finally {
      await ceilingRunning.stop().catch(() => undefined);
    }
  }
  return { samples, processes, failures };
}

async function runTarget(
  target: Target,
  round: number,
  ceiling: CeilingRun,
  o: RoundOptions,
  out: { samples: Sample[]; processes: ProcessSample[]; failures: Failure[] },
) {
  log(`round ${round}/${o.rounds}: starting ${target.group}`);
  const running = await target.start().catch((error: unknown) => fail(out.failures, target, round, error));
  if (!running) return;
  try {
    await delay(IDLE_SETTLE_MS);
    const idleRssMb = await running.rssMb();
    let rssAfterMixMb: number | null = null;
    const endpoints = round % 2 === 1 ? running.endpoints : [...running.endpoints].reverse();
    for (const [i, endpoint] of endpoints.entries()) {
      if (i > 0) await running.refresh();
      for (const workload of WORKLOADS) out.samples.push(...(await bracketed(() => measure(endpoint, workload, running, o), ceiling, workload, o)));
      if (i === 0) rssAfterMixMb = await running.rssMb();
    }
    out.processes.push({ group: target.group, startMs: running.startMs, idleRssMb, rssAfterMixMb });
  } catch (error) {
    fail(out.failures, target, round, error);
  } finally {
    await running.stop().catch(() => undefined);
  }
}

export interface Failure {
  names: TargetName[];
  message: string;
}

/** A target that dies mid-round fails that round; the other targets still get measured. */
function fail(failures: Failure[], target: Target, round: number, error: unknown): null {
  const message = `${target.group} failed in round ${round}: ${describe(error)}`;
  log(message);
  failures.push({ names: target.names, message });
  return null;
}
