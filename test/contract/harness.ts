import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createScratch, type DbKind } from './database.ts';

export type Mode = 'monolith' | 'microservices';

export interface TargetOptions {
  db: DbKind;
  mode: Mode;
}

/** One running MorphLink, reached only over HTTP and its command line. */
export interface Target {
  baseUrl: string;
  internalToken: string;
  createUser(name: string): Promise<string>;
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<number | null>;
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = 'bin/morphlink.js';
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 15_000;
const KEEP_OUTPUT = 64 * 1024;

export async function startTarget(opts: TargetOptions): Promise<Target> {
  const scratch = await createScratch(opts.db);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const internalToken = randomBytes(24).toString('hex');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MODE: opts.mode,
    HOST: '127.0.0.1',
    PORT: String(port),
    BASE_URL: baseUrl,
    DATABASE_URL: scratch.databaseUrl,
    INTERNAL_TOKEN: internalToken,
    LOG_LEVEL: 'warn',
    AUTH_MODE: 'apikey',
  };
  // The runner marks its own children with this; the server must not think it is a test file.
  delete env.NODE_TEST_CONTEXT;

  let server = await launch(opts.mode, env, baseUrl).catch(async (error: unknown) => {
    await scratch.remove();
    throw error;
  });
  return {
    baseUrl,
    internalToken,
    createUser: (name) => createUser(env, name),
    stop: (signal = 'SIGTERM') => server.stop(signal),
    async restart() {
      await server.stop('SIGTERM');
      server = await launch(opts.mode, env, baseUrl);
    },
    async dispose() {
      await server.stop('SIGTERM').catch(() => server.stop('SIGKILL'));
      await scratch.remove();
    },
  };
}

interface Server {
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<number | null>;
}

async function launch(mode: Mode, env: NodeJS.ProcessEnv, baseUrl: string): Promise<Server> {
  // The lead finishes the microservices branch: `up` runs every service plus the gateway on PORT.
  const args = mode === 'monolith' ? [BIN, 'start'] : [BIN, 'up'];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
    await waitForHealth(baseUrl, exited, output);
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

async function waitForHealth(baseUrl: string, exited: Promise<number | null>, output: () => string): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`server exited with ${exitCode} before /health answered\n${output()}`);
    const status = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1_000) }).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return;
    await delay(100);
  }
  throw new Error(`/health did not answer 200 within ${READY_TIMEOUT_MS} ms\n${output()}`);
}

async function createUser(env: NodeJS.ProcessEnv, name: string): Promise<string> {
  const run = promisify(execFile);
  const { stdout } = await run(process.execPath, [BIN, 'user', 'create', name, '--json'], {
    cwd: ROOT,
    env,
    timeout: 20_000,
  });
  const line = stdout.split('\n').find((l) => l.trim().startsWith('{'));
  const parsed = JSON.parse(line ?? 'null') as { apiKey?: unknown } | null;
  if (typeof parsed?.apiKey !== 'string') throw new Error(`user create ${name} printed no apiKey: ${stdout}`);
  return parsed.apiKey;
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
