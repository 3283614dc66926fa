import { setTimeout as delay } from 'node:timers/promises';
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

const started = performance.now();
export const log = (message: string) =>
  process.stderr.write(`[bench +${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`);

/**
 * The target's event-loop delay p99 (prom-client's `nodejs_eventloop_lag_p99_seconds`, in ms): the
 * library resets its histogram on every scrape, so a scrape before and one after a run give the
 * run's own p99. Null where the process has no such metric (the ceiling).
 */
async function loopDelayP99Ms(url: string): Promise<number | null> {
  const text = await fetch(`${url}/metrics`).then((r) => (r.ok ? r.text() : ''), () => '');
  const value = /^nodejs_eventloop_lag_p99_seconds(?:\{[^}]*\})? ([0-9.e+-]+)$/m.exec(text)?.[1];
  return value === undefined ? null : Number(value) * 1000;
}

/** µs of CPU per redirect answered; null when either reading is missing or nothing was answered. */
const perRedirect = (seconds: number | null, redirects: number) => (seconds === null || redirects === 0 ? null : (seconds * 1e6) / redirects);

async function measure(endpoint: Endpoint, workload: Workload, running: Running, o: RoundOptions): Promise<Sample> {
  const { clicks } = running;
  const before = clicks ? await countClicks(clicks) : 0;
  await loopDelayP99Ms(endpoint.url);
  const serverCpu = await running.cpuSeconds();
  const loadCpu = process.cpuUsage();
  const load = await runLoad(endpoint.url, workload, o.seconds, o.connections);
  const { user, system } = process.cpuUsage(loadCpu);
  const loopP99Ms = await loopDelayP99Ms(endpoint.url);
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
  log(`  ${endpoint.name} ${workload}: ${Math.round(load.rps)} req/s, p99 ${load.p99.toFixed(2)} ms, errors ${load.errors}${check}${loop}${cpu}${load.cut ? ', CUT' : ''}`);
  return { name: endpoint.name, workload, load, counted, loopP99Ms, cpuUs };
}

/**
 * Every target once per round, in the same order each round (A B A B …), each a fresh process.
 * A fleet's two endpoints swap order every round, and the second gets a restarted redirector,
 * so neither always inherits the other's warm cache.
 */
export async function runRounds(targets: Target[], o: RoundOptions) {
  const samples: Sample[] = [];
  const processes: ProcessSample[] = [];
  const failures: Failure[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    for (const target of targets) {
      log(`round ${round}/${o.rounds}: starting ${target.group}`);
      const running = await target.start().catch((error: unknown) => fail(failures, target, round, error));
      if (!running) continue;
      try {
        await delay(IDLE_SETTLE_MS);
        const idleRssMb = await running.rssMb();
        let rssAfterMixMb: number | null = null;
        const endpoints = round % 2 === 1 ? running.endpoints : [...running.endpoints].reverse();
        for (const [i, endpoint] of endpoints.entries()) {
          if (i > 0) await running.refresh();
          for (const workload of WORKLOADS) samples.push(await measure(endpoint, workload, running, o));
          if (i === 0) rssAfterMixMb = await running.rssMb();
        }
        processes.push({ group: target.group, startMs: running.startMs, idleRssMb, rssAfterMixMb });
      } catch (error) {
        fail(failures, target, round, error);
      } finally {
        await running.stop().catch(() => undefined);
      }
    }
  }
  return { samples, processes, failures };
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
