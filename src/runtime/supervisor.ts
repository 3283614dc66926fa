import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../common/config.ts';
import { createLogger } from '../common/logger.ts';
import { createChild, freePort, type Child, type ChildSpec } from './supervisor.child.ts';
import { startControlServer } from './supervisor.control.ts';

type ServiceName = 'auth' | 'links' | 'analytics' | 'redirector';

export function parseReplicas(flag: string | undefined): { redirector?: number } {
  if (!flag) return {};
  const match = /^redirector=(\d{1,2})$/.exec(flag.trim());
  if (!match || Number(match[1]) < 1) throw new Error(`--replicas expects redirector=N (1-99), got "${flag}"`);
  return { redirector: Number(match[1]) };
}

/**
 * `morphlink up`: the fleet as child processes. Starts the four services, then the gateway once
 * they are healthy; restarts a crashed one with backoff; scales redirectors on request; and on
 * SIGTERM/SIGINT stops the gateway first, then redirectors (which flush to analytics), then the rest.
 */
export async function startSupervisor(config: Readonly<Config>, options: { replicas?: { redirector?: number } }): Promise<void> {
  const logger = createLogger(config.logLevel, 'supervisor');
  const token = config.internalToken ?? randomBytes(24).toString('base64url');
  if (!config.internalToken) logger.info('generated an INTERNAL_TOKEN for this fleet');
  const { servicePorts, serviceUrls } = config;
  const redirectors: Child[] = [];
  const redirectorUrls = () => redirectors.map((r) => `http://127.0.0.1:${r.spec.port}`);

  const baseEnv = (): NodeJS.ProcessEnv => ({
    ...process.env,
    MODE: 'microservices',
    INTERNAL_TOKEN: token,
    AUTH_PORT: String(servicePorts.auth),
    LINKS_PORT: String(servicePorts.links),
    ANALYTICS_PORT: String(servicePorts.analytics),
    REDIRECTOR_PORT: String(servicePorts.redirector),
    AUTH_URL: serviceUrls.auth,
    LINKS_URL: serviceUrls.links,
    ANALYTICS_URL: serviceUrls.analytics,
    REDIRECTOR_URL: serviceUrls.redirector,
    REDIRECTOR_URLS: redirectorUrls().join(','),
    PORT: String(config.port),
    BASE_URL: config.baseUrl,
  });
  const spec = (name: ServiceName | 'gateway', port: number, extra: NodeJS.ProcessEnv = {}): ChildSpec => ({
    name,
    port,
    env: () => ({ ...baseEnv(), ...extra }),
  });
  const redirectorSpec = (index: number, port: number) =>
    spec('redirector', port, {
      REDIRECTOR_PORT: String(port),
      // One spool per replica slot, so a restarted fleet replays what its predecessor spooled.
      SPOOL_DIR: join(config.dataDir, 'spool', `redirector-${index}`),
    });

  const services = (['auth', 'links', 'analytics'] as const).map((name) => createChild(spec(name, servicePorts[name]), logger));
  redirectors.push(createChild(redirectorSpec(0, servicePorts.redirector), logger));
  for (let i = 1; i < (options.replicas?.redirector ?? 1); i++) redirectors.push(createChild(redirectorSpec(i, await freePort()), logger));
  const gateway = createChild(spec('gateway', config.port), logger);

  const started = Date.now();
  await Promise.all([...services, ...redirectors].map((c) => c.start()));
  await gateway.start();
  logger.info({ url: config.baseUrl, ms: Date.now() - started, redirectors: redirectors.length }, 'fleet is up');

  /** Tells the gateway and the links service the current redirector list. */
  async function announceRedirectors(): Promise<void> {
    const body = JSON.stringify({ urls: redirectorUrls() });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    await Promise.all([
      fetch(`http://127.0.0.1:${config.port}/_gateway/redirectors`, { method: 'PUT', headers, body }),
      fetch(`${serviceUrls.links}/internal/redirectors`, { method: 'PUT', headers, body }),
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

  const control = await startControlServer({
    port: config.supervisorPort,
    status: () => ({
      processes: [...services, ...redirectors, gateway].map((c) => c.status()),
      replicas: { redirector: redirectors.length },
    }),
    scale: scaleRedirectors,
    logger,
  });

  let stopping = false;
  async function shutdown(signal: string) {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping the fleet');
    await control.close();
    // Order matters: no new traffic, then the click producers flush while analytics still listens.
    await gateway.stop();
    await Promise.all(redirectors.map((c) => c.stop()));
    await services[1]!.stop();
    await services[2]!.stop();
    await services[0]!.stop();
    logger.info('fleet stopped');
    process.exit(0);
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
