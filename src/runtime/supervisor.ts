import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../common/config.ts';
import { createLogger } from '../common/logger.ts';
import type { ModuleDescriptor } from '../common/module.ts';
import { watchSupervisor } from './lifecycle.ts';
import { MODULES, portOf, urlOf } from './registry.ts';
import { createChild, freePort, type Child, type ChildSpec } from './supervisor.child.ts';
import { startControlServer } from './supervisor.control.ts';

export function parseReplicas(flag: string | undefined): { redirector?: number } {
  if (!flag) return {};
  const match = /^redirector=(\d{1,2})$/.exec(flag.trim());
  if (!match || Number(match[1]) < 1) throw new Error(`--replicas expects redirector=N (1-99), got "${flag}"`);
  return { redirector: Number(match[1]) };
}

/**
 * `morphlink up`: the fleet as child processes, one per module (the replicated one, the
 * redirector, as N replicas), then the gateway once they are healthy; restarts a crashed one with
 * backoff; scales the replicas on request; and on SIGTERM/SIGINT (or an IPC stop) stops the
 * gateway first, then the modules by their declared stop order (redirectors flush to analytics
 * before it stops). A failed start stops what it started and exits 1.
 */
export async function startSupervisor(
  config: Readonly<Config>,
  options: { replicas?: { redirector?: number }; autopilot?: boolean },
  modules: readonly ModuleDescriptor[] = MODULES,
): Promise<void> {
  const logger = createLogger(config.logLevel, 'supervisor');
  const token = config.internalToken ?? randomBytes(24).toString('base64url');
  if (!config.internalToken) {
    logger.info('generated an INTERNAL_TOKEN for this fleet; set INTERNAL_TOKEN yourself to call the control port (SUPERVISOR_PORT)');
  }
  // Each child shows it on /health: only our own children pass the health check.
  const instance = randomBytes(9).toString('base64url');
  const replicated = modules.find((m) => m.replicated);
  const singles = modules.filter((m) => m !== replicated);
  const redirectors: Child[] = [];
  const redirectorUrls = () => redirectors.map((r) => `http://127.0.0.1:${r.spec.port}`);

  const baseEnv = (): NodeJS.ProcessEnv => ({
    ...process.env,
    MODE: 'microservices',
    INTERNAL_TOKEN: token,
    // Every module's <NAME>_PORT and <NAME>_URL, so each child finds its peers.
    ...Object.fromEntries(
      modules.flatMap((m) => [
        [`${m.name.toUpperCase()}_PORT`, String(portOf(config, m))],
        [`${m.name.toUpperCase()}_URL`, urlOf(config, m)],
      ]),
    ),
    REDIRECTOR_URLS: redirectorUrls().join(','),
    PORT: String(config.port),
    BASE_URL: config.baseUrl,
  });
  const spec = (name: string, port: number, extra: NodeJS.ProcessEnv = {}): ChildSpec => ({
    name,
    port,
    instance,
    env: () => ({ ...baseEnv(), ...extra }),
  });
  const redirectorSpec = (index: number, port: number) =>
    spec(replicated!.name, port, {
      [`${replicated!.name.toUpperCase()}_PORT`]: String(port),
      // One spool per replica slot, so a restarted fleet replays what its predecessor spooled.
      SPOOL_DIR: join(config.dataDir, 'spool', `${replicated!.name}-${index}`),
      JOURNAL_DIR: join(config.dataDir, 'journal', `${replicated!.name}-${index}`),
    });

  const services = singles.map((m) => ({ module: m, child: createChild(spec(m.name, portOf(config, m)), logger) }));
  if (replicated) {
    redirectors.push(createChild(redirectorSpec(0, portOf(config, replicated)), logger));
    for (let i = 1; i < (options.replicas?.redirector ?? 1); i++) redirectors.push(createChild(redirectorSpec(i, await freePort()), logger));
  }
  const gateway = createChild(spec('gateway', config.port, options.autopilot ? { AUTOPILOT_URL: `http://127.0.0.1:${config.autopilotPort}` } : {}), logger);
  // The autopilot reads the control port's /status and scales through it: one more child, started last.
  const autopilot = options.autopilot
    ? createChild({ ...spec('autopilot', config.autopilotPort, { AUTOPILOT_PORT: String(config.autopilotPort), SUPERVISOR_PORT: String(config.supervisorPort) }), args: ['autopilot'] }, logger)
    : null;
  // Stop order: the autopilot (no scaling while stopping), the gateway, then each module by its declared order.
  const stopGroups = (): Child[][] => [
    ...(autopilot ? [[autopilot]] : []),
    [gateway],
    ...[...modules]
      .sort((a, b) => a.stopOrder - b.stopOrder)
      .map((m) => (m === replicated ? redirectors : services.filter((s) => s.module === m).map((s) => s.child))),
  ];
  const allChildren = () => stopGroups().flat();

  let control: { close(): Promise<unknown> } | null = null;
  let stopping = false;
  /** Gateway first (no new traffic), then the click producers flush while analytics still listens. */
  async function stopAll(): Promise<void> {
    for (const child of allChildren()) child.hold();
    await control?.close();
    for (const group of stopGroups()) await Promise.all(group.map((c) => c.stop()));
  }
  async function shutdown(signal: string) {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping the fleet');
    await stopAll();
    logger.info('fleet stopped');
    process.exit(0);
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  watchSupervisor((reason) => void shutdown(reason));

  const started = Date.now();
  try {
    await Promise.all([...services.map((s) => s.child), ...redirectors].map((c) => c.start()));
    await gateway.start();
    control = await startControlServer({
      port: config.supervisorPort,
      token,
      status: () => ({
        processes: [...services.map((s) => s.child), ...redirectors, gateway, ...(autopilot ? [autopilot] : [])].map((c) => c.status()),
        replicas: { redirector: redirectors.length },
      }),
      scale: scaleRedirectors,
      logger,
    });
    await autopilot?.start();
  } catch (error) {
    if (stopping) return;
    stopping = true;
    const message = error instanceof Error ? error.message : String(error);
    logger.error({ err: error }, `the fleet did not start: ${message}`);
    await stopAll();
    console.error(`morphlink up: ${message}. Stopped the services already started.`);
    process.exit(1);
  }
  logger.info({ url: config.baseUrl, ms: Date.now() - started, redirectors: redirectors.length }, 'fleet is up');

  /** Tells the gateway and the links service the current redirector list. */
  async function announceRedirectors(): Promise<void> {
    const body = JSON.stringify({ urls: redirectorUrls() });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    await Promise.all([
      fetch(`http://127.0.0.1:${config.port}/_gateway/redirectors`, { method: 'PUT', headers, body }),
      // Every module that needs the replicas keeps their list (links tells each of link changes).
      ...singles
        .filter((m) => m.needs.includes(replicated!.name))
        .map((m) => fetch(`${urlOf(config, m)}/internal/redirectors`, { method: 'PUT', headers, body })),
    ]);
  }

  async function scaleRedirectors(count: number): Promise<void> {
    while (redirectors.length < count) {
      const child = createChild(redirectorSpec(redirectors.length, await freePort()), logger);
      await child.start();
      redirectors.push(child);
    }
    const extra = redirectors.splice(count);
    await announceRedirectors();
    await Promise.all(extra.map((c) => c.stop()));
    logger.info({ redirectors: redirectors.length }, 'redirectors scaled');
  }

}
