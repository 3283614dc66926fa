import type { ChildProcess } from 'node:child_process';

export const HEALTHY_WITHIN_MS = 30_000;

/** Who a child must say it is on /health: its service name and this fleet's instance id. */
export interface Identity {
  service: string;
  instance: string;
}

/** Why a /health answer is not our child's, or null when it is. */
async function mismatch(port: number, identity: Identity): Promise<string | null> {
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
  if (!response.ok) return `/health answered ${response.status}`;
  const body = (await response.json().catch(() => null)) as Partial<Identity> | null;
  if (body?.service === identity.service && body.instance === identity.instance) return null;
  return `port ${port} is answered by another server (/health says ${JSON.stringify({ service: body?.service, instance: body?.instance })})`;
}

/**
 * Resolves once `port` answers /health as this child of this fleet: a foreign server on the port
 * never passes. Rejects with a message naming the service when the child exits or time runs out.
 */
export async function waitHealthy(
  label: string,
  port: number,
  proc: ChildProcess,
  identity: Identity,
  portInUse: () => boolean,
): Promise<void> {
  const deadline = Date.now() + HEALTHY_WITHIN_MS;
  let reason = 'it never answered /health';
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      const why = portInUse() ? `: port ${port} is in use by another process (EADDRINUSE)` : '';
      throw new Error(`${label} exited with ${proc.exitCode ?? proc.signalCode} before it was healthy${why}`);
    }
    try {
      const wrong = await mismatch(port, identity);
      if (wrong === null) return;
      reason = wrong;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${label} is not healthy within ${HEALTHY_WITHIN_MS} ms: ${portInUse() ? `port ${port} is in use (EADDRINUSE); ` : ''}${reason}`);
}
