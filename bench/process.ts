import { execFile, execFileSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freshBuild } from '../bin/build-state.js';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const BIN = 'bin/morphlink.js';

/** `morphlink <args>` to completion (migrate, …), with the target's environment. */
export async function runCli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<void> {
  await promisify(execFile)(process.execPath, [BIN, ...args], { cwd: ROOT, env, timeout: 60_000 });
}

/**
 * The pid of this process's child whose command line contains every one of `words`, on Linux.
 * launchServer does not hand out the pid, and /proc is where the RSS is read anyway.
 */
export async function childPid(words: string[]): Promise<number | null> {
  if (process.platform !== 'linux') return null;
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command name, which may itself contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      if (words.every((w) => cmdline.includes(w))) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return null;
}

let clockTicks: number | null = null;
/** The kernel's clock ticks a second, the unit of /proc's CPU times (100 on every Linux seen so far). */
function ticksPerSecond(): number {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    clockTicks = 100;
  }
  return clockTicks;
}

/**
 * CPU seconds (user and system, every thread) used so far by `root` and every process below it:
 * a monolith with its writer's thread, a fleet's supervisor with all its services. Null off Linux,
 * or when `root` is gone. A process that ended is not in the sum, so compare two readings only
 * across a stretch in which none of the tree ended.
 */
export async function treeCpuSeconds(root: number | null): Promise<number | null> {
  if (process.platform !== 'linux' || root === null) return null;
  const processes = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => null);
    if (stat === null) continue;
    // After the parenthesised name: state, ppid, … utime and stime are fields 14 and 15 of the whole line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    processes.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
  }
  const ticks = treeTicks(processes, root);
  return ticks === null ? null : ticks / ticksPerSecond();
}

/** The ticks of `root` and of every process whose parents lead to it; null when `root` is not among them. */
export function treeTicks(processes: ReadonlyMap<number, { ppid: number; ticks: number }>, root: number): number | null {
  if (!processes.has(root)) return null;
  const inTree = (pid: number): boolean => {
    for (let at: number | undefined = pid; at !== undefined && at > 0; at = processes.get(at)?.ppid) if (at === root) return true;
    return false;
  };
  let ticks = 0;
  for (const [pid, { ticks: own }] of processes) if (inTree(pid)) ticks += own;
  return ticks;
}

/** Busy and total CPU time of the whole machine so far (/proc/stat, every core), in ticks; null off Linux. */
async function machineTicks(): Promise<{ busy: number; total: number } | null> {
  const line = (await readFile('/proc/stat', 'utf8').catch(() => '')).split('\n')[0] ?? '';
  // cpu  user nice system idle iowait irq softirq steal …: idle and iowait are the machine waiting;
  // steal is time the hypervisor gave another guest, which no waiting here makes ours.
  const [user, nice, system, idle, iowait, irq, softirq] = line.split(/\s+/).slice(1, 8).map(Number);
  if (!line.startsWith('cpu ') || softirq === undefined) return null;
  const busy = user! + nice! + system! + irq! + softirq;
  return { busy, total: busy + idle! + iowait! };
}

const QUIET_WINDOW_MS = 250;
/** Busy share of all cores, over one window, below which the machine counts as quiet (idle services on this machine: 1-3%). */
const QUIET_SHARE = 0.1;

/**
 * Waits until the whole machine has been quiet for two windows in a row, at most `maxMs`: what a
 * run left behind (a writer's last commits, a WAL checkpoint, PostgreSQL's own background work, a
 * fresh process compiling) must not land in the next run's seconds. Returns how long it waited
 * and whether it became quiet; at once off Linux.
 */
export async function untilQuiet(maxMs: number): Promise<{ waitedMs: number; quiet: boolean }> {
  const started = performance.now();
  let last = await machineTicks();
  if (last === null) return { waitedMs: 0, quiet: true };
  let quietWindows = 0;
  while (performance.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, QUIET_WINDOW_MS));
    const now = await machineTicks();
    if (now === null) break;
    const share = (now.busy - last.busy) / Math.max(1, now.total - last.total);
    last = now;
    quietWindows = share <= QUIET_SHARE ? quietWindows + 1 : 0;
    if (quietWindows === 2) return { waitedMs: performance.now() - started, quiet: true };
  }
  return { waitedMs: performance.now() - started, quiet: false };
}

/** Resident set size in MB: /proc/<pid>/status VmRSS, else the process's own /metrics gauge. */
export async function rssMb(pid: number | null, metricsUrl: string): Promise<number | null> {
  if (pid !== null) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    if (kb) return Number(kb) / 1024;
  }
  const text = await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text(), () => '');
  const bytes = /^process_resident_memory_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?(?:e\+\d+)?)/m.exec(text)?.[1];
  return bytes ? Number(bytes) / 2 ** 20 : null;
}

/** True when PostgreSQL answers on 127.0.0.1:5432 (the scratch databases' server). */
export async function postgresAnswers(): Promise<boolean> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres', connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * What `bin/morphlink.js` will run: the compiled dist/ when it is newer than every source,
 * else the sources through tsx. The two start and run differently, so the report says which.
 */
export function serverRuntime(): 'dist' | 'tsx' {
  return freshBuild(ROOT) ? 'dist' : 'tsx';
}

/** Which code was measured: the commit, and "-dirty" when the work tree had changes. */
export function revision(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
