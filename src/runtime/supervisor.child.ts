import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../common/logger.ts';

const BIN = fileURLToPath(new URL('../../bin/morphlink.js', import.meta.url));
const HEALTHY_WITHIN_MS = 30_000;
const STOP_WITHIN_MS = 15_000;
const STABLE_AFTER_MS = 30_000;

export interface ChildSpec {
  name: string;
  port: number;
  env: () => NodeJS.ProcessEnv;
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

async function waitHealthy(port: number, process: ChildProcess): Promise<void> {
  const deadline = Date.now() + HEALTHY_WITHIN_MS;
  while (Date.now() < deadline) {
    if (process.exitCode !== null) throw new Error(`exited with code ${process.exitCode} before it was healthy`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not healthy within ${HEALTHY_WITHIN_MS} ms`);
}

/** One supervised process: its output prefixed with its name, restarted with backoff if it dies. */
export function createChild(spec: ChildSpec, logger: Logger) {
  const label = spec.name === 'redirector' ? `redirector:${spec.port}` : spec.name;
  let child: ChildProcess | null = null;
  let stopping = false;
  let restarts = 0;
  let failuresInARow = 0;
  let startedAt = 0;

  function launch(): ChildProcess {
    const proc = spawn(process.execPath, [BIN, 'serve', spec.name], { env: spec.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [proc.stdout, proc.stderr]) {
      createInterface({ input: stream! }).on('line', (line) => process.stdout.write(`[${label}] ${line}\n`));
    }
    startedAt = Date.now();
    proc.once('exit', (code, signal) => {
      if (stopping) return;
      failuresInARow = Date.now() - startedAt > STABLE_AFTER_MS ? 0 : failuresInARow + 1;
      const delay = Math.min(250 * 2 ** failuresInARow, 10_000);
      logger.warn({ service: label, code, signal, restartInMs: delay }, 'service exited; restarting');
      setTimeout(() => {
        if (stopping) return;
        restarts++;
        child = launch();
        waitHealthy(spec.port, child).then(
          () => logger.info({ service: label, pid: child?.pid }, 'service restarted'),
          (error: unknown) => logger.error({ service: label, err: error }, 'restarted service is not healthy'),
        );
      }, delay);
    });
    return proc;
  }

  return {
    spec,
    async start(): Promise<void> {
      child = launch();
      await waitHealthy(spec.port, child);
      logger.info({ service: label, pid: child.pid, port: spec.port }, 'service healthy');
    },
    /** SIGTERM, so it drains; SIGKILL if it has not exited in time. */
    async stop(): Promise<void> {
      stopping = true;
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_WITHIN_MS);
      await exited;
      clearTimeout(timer);
    },
    status: () => ({
      name: spec.name,
      port: spec.port,
      pid: child?.pid ?? null,
      state: stopping ? 'stopped' : child && child.exitCode === null && child.signalCode === null ? 'running' : 'restarting',
      restarts,
      startedAt: new Date(startedAt).toISOString(),
    }),
  };
}
