import { startTarget, type Target } from '../contract/harness.ts';
import type { DbKind } from '../contract/database.ts';

export interface ProcessStatus {
  name: string;
  port: number;
  pid: number | null;
  state: string;
  restarts: number;
}

/** `morphlink up` as a target, plus the supervisor's view of its processes. */
export interface Fleet extends Target {
  status(): Promise<{ processes: ProcessStatus[]; replicas: { redirector: number } }>;
}

/** `env` is passed on to startTarget: extra variables for every process of the fleet. */
export async function startFleet(opts: { db: DbKind; replicas?: number; env?: NodeJS.ProcessEnv }): Promise<Fleet> {
  const upArgs = opts.replicas ? ['--replicas', `redirector=${opts.replicas}`] : [];
  const target = await startTarget({ db: opts.db, mode: 'microservices', upArgs, env: opts.env });
  return {
    ...target,
    status: async () => (await control(target, 'GET', '/status')).json() as never,
  };
}

/** A call to the supervisor's control port, with the fleet's token it requires. */
export function control(target: Target, method: 'GET' | 'PUT', path: string, body?: object): Promise<Response> {
  return fetch(`http://127.0.0.1:${target.ports.supervisor}${path}`, {
    method,
    headers: { authorization: `Bearer ${target.internalToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
}

/** The ports of the redirector replicas, as the supervisor reports them. */
export const redirectorPorts = async (fleet: Fleet): Promise<number[]> =>
  (await fleet.status()).processes.filter((p) => p.name === 'redirector').map((p) => p.port);

/** One sample of a counter from a process's own /metrics (the first series whose labels match). */
export async function metric(port: number, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
