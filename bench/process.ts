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
