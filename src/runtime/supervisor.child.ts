import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../common/logger.ts';
import { STOP_MESSAGE } from './lifecycle.ts';
import { waitHealthy } from './supervisor.health.ts';

const BIN = fileURLToPath(new URL('../../bin/morphlink.js', import.meta.url));
const STOP_WITHIN_MS = 15_000;
const STABLE_AFTER_MS = 30_000;

export interface ChildSpec {
  name: string;
  port: number;
  /** The fleet's instance id, also in env as MORPHLINK_INSTANCE: the child shows it on /health. */
  instance: string;
  env: () => NodeJS.ProcessEnv;
  /** The command line after `morphlink`; default `serve <name>`. */
  args?: string[];
}

export type Child = ReturnType<typeof createChild>;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const isRunning = (proc: ChildProcess | null): proc is ChildProcess => proc !== null && proc.exitCode === null && proc.signalCode === null;

/**
 * One supervised process: its output prefixed with its name, restarted with backoff if it dies
 * (never once the fleet is stopping). It holds an IPC channel to us, so it stops when we die.
 */
export function createChild(spec: ChildSpec, logger: Logger) {
  const label = spec.name === 'redirector' ? `redirector:${spec.port}` : spec.name;
  let child: ChildProcess | null = null;
  let healthy = false;
  let stopping = false;
  let restarts = 0;
  let failuresInARow = 0;
  let startedAt = 0;
  let portInUse = false;

  function launch(): ChildProcess {
    healthy = false;
    portInUse = false;
    // Own process group on POSIX: a terminal's Ctrl-C reaches the supervisor only, which stops us in order.
    const proc = spawn(process.execPath, [BIN, ...(spec.args ?? ['serve', spec.name])], {
      env: { ...spec.env(), MORPHLINK_INSTANCE: spec.instance },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: process.platform !== 'win32',
    });
    for (const stream of [proc.stdout, proc.stderr]) {
      createInterface({ input: stream! }).on('line', (line) => {
        if (line.includes('EADDRINUSE')) portInUse = true;
        process.stdout.write(`[${label}] ${line}\n`);
      });
    }
    // A send to a child that just died must not crash the supervisor.
    proc.on('error', (error) => logger.warn({ service: label, err: error }, 'child process error'));
    startedAt = Date.now();
    proc.once('exit', (code, signal) => {
      // A child that never became healthy failed its start: the caller reports that, no respawn.
      if (stopping || !healthy) return;
      failuresInARow = Date.now() - startedAt > STABLE_AFTER_MS ? 0 : failuresInARow + 1;
      const delay = Math.min(250 * 2 ** failuresInARow, 10_000);
      logger.warn({ service: label, code, signal, restartInMs: delay }, 'service exited; restarting');
      setTimeout(() => void respawn(), delay);
    });
    return proc;
  }

  async function respawn(): Promise<void> {
    if (stopping) return;
    restarts++;
    const proc = (child = launch());
    try {
      await waitForIdentity(proc);
      logger.info({ service: label, pid: proc.pid }, 'service restarted');
    } catch (error) {
      logger.error({ service: label, err: error }, 'restarted service is not healthy');
      // Retry later, unless it exited (its exit already scheduled nothing: it was never healthy).
      if (!stopping && !isRunning(proc)) setTimeout(() => void respawn(), 10_000);
    }
  }

  async function waitForIdentity(proc: ChildProcess): Promise<void> {
    await waitHealthy(label, spec.port, proc, { service: spec.name, instance: spec.instance }, () => portInUse);
    healthy = true;
  }

  return {
    spec,
    label,
    async start(): Promise<void> {
      const proc = (child = launch());
      await waitForIdentity(proc);
      logger.info({ service: label, pid: proc.pid, port: spec.port }, 'service healthy');
    },
    /** From now on, an exit is final: called on every child before the ordered stop begins. */
    hold(): void {
      stopping = true;
    },
    /** Asks it to drain (IPC stop, else SIGTERM); SIGKILL if it has not exited in time. */
    async stop(): Promise<void> {
      stopping = true;
      const proc = child;
      if (!isRunning(proc)) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      // Before it is healthy it may not listen for messages yet; it has nothing to flush either.
      if (healthy && proc.connected) proc.send(STOP_MESSAGE);
      else proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_WITHIN_MS);
      await exited;
      clearTimeout(timer);
    },
    status: () => ({
      name: spec.name,
      port: spec.port,
      pid: child?.pid ?? null,
      state: stopping ? 'stopped' : isRunning(child) ? 'running' : 'restarting',
      restarts,
      startedAt: new Date(startedAt).toISOString(),
    }),
  };
}
