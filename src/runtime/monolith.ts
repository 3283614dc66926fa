import type { Config } from '../common/config.ts';
import { registerRateLimits } from '../common/http/rate-limit.ts';
import type { ModuleDescriptor } from '../common/module.ts';
import { buildInProcess, inStopOrder } from './assembly.ts';
import { createContext, createServerFor, rateLimitsOf } from './context.ts';
import { registerDashboard } from './dashboard.ts';
import { serve } from './lifecycle.ts';
import { MODULES } from './registry.ts';

/** Every module in one process: peers are plain function calls, one server mounts every route. */
export async function buildMonolith(config: Readonly<Config>, modules: readonly ModuleDescriptor[] = MODULES) {
  const ctx = createContext(config, 'monolith');
  const built = await buildInProcess(ctx, modules);
  const app = createServerFor(ctx, {
    ready: Object.assign({ database: () => ctx.databases.pingAll() }, ...built.map((m) => m.ready ?? {})),
    degraded: Object.assign({}, ...built.map((m) => m.degraded ?? {})),
    docs: true,
    fastPath: built.find((m) => m.fastPath)?.fastPath,
  });
  await registerRateLimits(app, rateLimitsOf(ctx));
  for (const module of built) module.routes(app);
  registerDashboard(app);
  /** Flushes every module in stop order (the click writer last but auth), then the databases close. */
  const close = async () => {
    for (const module of inStopOrder(built)) await module.close?.();
  };
  const flush = async () => void (await Promise.all(built.map((m) => m.flush?.())));
  /** In-process callers (tests, tools): what serve() does at shutdown, without the exit. */
  const dispose = async () => {
    await app.close();
    await close();
    await ctx.databases.closeAll();
  };
  return { app, ctx, flush, close, dispose };
}

export async function startMonolith(config: Readonly<Config>): Promise<void> {
  const { app, ctx, close } = await buildMonolith(config);
  await serve(app, ctx, config.port, [close]);
}
