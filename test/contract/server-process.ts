import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 15_000;
const KEEP_OUTPUT = 64 * 1024;

/** One spawned server process, ready once its /health answered 200. */
export interface ServerProcess {
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<number | null>;
}

/** Spawns `node <args>` in `cwd` and resolves once `baseUrl`/health answers 200 (or rejects with its output). */
export async function launchServer(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  baseUrl: string,
  readyTimeoutMs = READY_TIMEOUT_MS,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = captureOutput(child);
  let stopping = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A crash mid-suite otherwise shows up only as a wall of ECONNREFUSED: say why, once.
  void exited.then((code) => {
    if (!stopping) process.stderr.write(`\nmorphlink exited unexpectedly with ${code}\n${output()}\n`);
  });
  // A crashed test process must not leave a server holding the port and the database.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  try {
    await waitForHealth(baseUrl, exited, output, readyTimeoutMs);
  } catch (error) {
    stopping = true;
    child.kill('SIGKILL');
    await exited;
    process.off('exit', killOnExit);
    throw error;
  }
  return {
    async stop(signal) {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await withTimeout(exited, STOP_TIMEOUT_MS, () => `server ignored ${signal}\n${output()}`);
      process.off('exit', killOnExit);
      return code;
    },
  };
}

async function waitForHealth(baseUrl: string, exited: Promise<number | null>, output: () => string, timeoutMs: number): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`server exited with ${exitCode} before /health answered\n${output()}`);
    const status = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1_000) }).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return;
    await delay(100);
  }
  throw new Error(`/health did not answer 200 within ${timeoutMs} ms\n${output()}`);
}

/** Keeps the tail of the child's stdout and stderr for error messages. */
function captureOutput(child: ChildProcess): () => string {
  let text = '';
  const verbose = Boolean(process.env.CONTRACT_VERBOSE);
  // Forwarded to stderr only: the test runner reads this process's stdout as its protocol.
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-KEEP_OUTPUT);
    if (verbose) process.stderr.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => `--- server output ---\n${text}`;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
