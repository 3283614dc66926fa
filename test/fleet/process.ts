import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { ROOT } from '../contract/harness.ts';

/** A morphlink command run as a real child process, with its output kept for assertions. */
export interface Spawned {
  proc: ChildProcess;
  output(): string;
  /** Resolves with the exit code (null after a signal), or 'timeout' if it is still running after `ms`. */
  exited(ms: number): Promise<number | null | 'timeout'>;
}

/**
 * `detached` puts the command in its own process group (POSIX), so a test can signal the group as
 * a terminal's Ctrl-C does; `ipc` opens the channel the supervisor gives its children.
 */
export function spawnMorphlink(args: string[], env: NodeJS.ProcessEnv, opts: { detached?: boolean; ipc?: boolean } = {}): Spawned {
  const stdio: ('ignore' | 'pipe' | 'ipc')[] = ['ignore', 'pipe', 'pipe', ...(opts.ipc ? (['ipc'] as const) : [])];
  const proc = spawn(process.execPath, ['bin/morphlink.js', ...args], { cwd: ROOT, env, stdio, detached: opts.detached ?? false });
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-256 * 1024);
    if (process.env.CONTRACT_VERBOSE) process.stderr.write(chunk);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  // A failed test must not leave a fleet running behind it.
  process.once('exit', () => proc.kill('SIGKILL'));
  return {
    proc,
    output: () => text,
    exited: (ms) => Promise.race([exit, delay(ms).then(() => 'timeout' as const)]),
  };
}

/** Waits for `url` to answer 200, failing early if the process exits. */
export async function waitFor200(spawned: Spawned, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawned.proc.exitCode !== null) throw new Error(`exited with ${spawned.proc.exitCode}\n${spawned.output()}`);
    const status = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then((r) => r.status, () => 0);
    if (status === 200) return;
    await delay(100);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms\n${spawned.output()}`);
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A process that exited is gone even if nobody reaped it yet (a zombie, state Z on Linux). */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await delay(100);
  }
  return check();
}
