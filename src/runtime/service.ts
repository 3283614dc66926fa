import { MissingConfigError, type Config } from '../common/config.ts';
import { createInternalGuard } from '../common/http/internal.ts';
import { registerRateLimits } from '../common/http/rate-limit.ts';
import type { ModuleDescriptor } from '../common/module.ts';
import { connectPeers, createRemote, moduleContext } from './assembly.ts';
import { createContext, createServerFor, rateLimitsOf } from './context.ts';
import { startGateway } from './gateway/gateway.ts';
import { serve } from './lifecycle.ts';
import { MODULES, moduleNamed, portOf } from './registry.ts';

/** One module in its own process: its own service, its peers reached over HTTP through their `connect`. */
export async function startService(config: Readonly<Config>, name: string, modules: readonly ModuleDescriptor[] = MODULES): Promise<void> {
  // Without it every internal call answers 401 while /health says ok: refuse instead.
  if (!config.internalToken) {
    throw new MissingConfigError(
      'INTERNAL_TOKEN',
      `Every service of a fleet must share one secret. Set INTERNAL_TOKEN to the same random string for each service ` +
        `(in .env or the environment; make one with: node -e "console.log(crypto.randomBytes(24).toString('hex'))"), ` +
        `or run the whole fleet with \`morphlink up\`, which generates it.`,
    );
  }
  if (name === 'gateway') return startGateway(config, modules);
  const module = moduleNamed(name, modules);
  const port = portOf(config, module);
  const ctx = createContext(config, module.name);
  const peers = createRemote(ctx, port, modules);
  const built = await module.build(await moduleContext(ctx, module), connectPeers(module, peers.remote, modules));
  const app = createServerFor(ctx, {
    ready: { ...(module.migrations ? { database: () => ctx.databases.pingAll() } : {}), ...peers.ready, ...built.ready },
    degraded: { ...peers.degraded, ...built.degraded },
    docs: true,
    fastPath: built.fastPath,
  });
  // Each service limits the public routes it owns; request.ip is the client (the gateway forwards it).
  await registerRateLimits(app, rateLimitsOf(ctx));
  built.routes(app);
  built.internalRoutes?.(app, createInternalGuard(config.internalToken));
  peers.mount(app);
  await serve(app, ctx, port, [async () => built.close?.(), () => peers.close()]);
}
