import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../contract/harness.ts';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const BIN = join(ROOT, 'bin', 'morphlink.js');

/** The environment for the CLI: the given database only, nothing inherited that could point elsewhere. */
export function cliEnv(databaseUrl: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', AUTH_MODE: 'apikey', ...extra };
  delete env.NODE_TEST_CONTEXT;
  for (const name of ['AUTH_DATABASE_URL', 'LINKS_DATABASE_URL', 'ANALYTICS_DATABASE_URL', 'REDIS_URL']) delete env[name];
  return env;
}

/** `node bin/morphlink.js …` as a child process, with `stdin` piped in when given; never rejects, a timeout shows as code null. */
export function morphlink(args: string[], env: NodeJS.ProcessEnv, cwd = ROOT, stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { cwd, env, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** Misuse or failure reads as one line, without a stack trace. */
export function assertOneLine(text: string): boolean {
  const lines = text.trim().split('\n').filter((l) => !l.startsWith('database: '));
  return lines.length === 1 && !/^\s+at /m.test(text);
}
