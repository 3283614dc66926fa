import { createHttpClient, type HttpClient } from '../common/http/client.ts';
import type { App, ReadinessChecks } from '../common/http/server.ts';
import type { BuiltModule, ModuleContext, ModuleDescriptor, RemoteContext } from '../common/module.ts';
import type { Context } from './context.ts';
import { moduleNamed, urlOf } from './registry.ts';

export type Built = BuiltModule<unknown> & { descriptor: ModuleDescriptor };

/** A module's view of its process: its own database opened and migrated. */
export async function moduleContext(ctx: Context, module: ModuleDescriptor): Promise<ModuleContext> {
  const database = module.migrations ? await ctx.openModuleDatabase(module.name, module.migrations) : null;
  return {
    config: ctx.config,
    service: ctx.service,
    logger: ctx.logger,
    metrics: ctx.metrics,
    database,
    get visitorSecret() {
      return ctx.visitorSecret;
    },
  };
}

/**
 * Every module in one process, in the given order, each handed its peers' in-process ports.
 * A peer that comes later (links is told of changes by the redirector, built after it) is
 * handed as a stand-in that forwards each call once the peer exists.
 */
export async function buildInProcess(ctx: Context, modules: readonly ModuleDescriptor[]): Promise<Built[]> {
  const built = new Map<string, Built>();
  for (const module of modules) {
    const peers = Object.fromEntries(
      module.needs.map((name) => [name, built.get(name)?.provides ?? later(name, () => built.get(name)?.provides)]),
    );
    built.set(module.name, { ...(await module.build(await moduleContext(ctx, module), peers)), descriptor: module });
  }
  return [...built.values()];
}

/**
 * Stands in for a peer not built yet: reading a member gives another stand-in, calling one
 * calls the real member (with its real owner as `this`). Used before the peer exists, it says so.
 */
function later(name: string, resolve: () => unknown, path: PropertyKey[] = []): unknown {
  return new Proxy(function standIn() {}, {
    get: (_target, key) => (key === 'then' ? undefined : later(name, resolve, [...path, key])),
    apply(_target, _this, args: unknown[]) {
      let owner: unknown;
      let member = resolve();
      if (member === undefined) throw new Error(`module "${name}" was called before it was built`);
      for (const key of path) [owner, member] = [member, Reflect.get(member as object, key)];
      return Reflect.apply(member as (...a: unknown[]) => unknown, owner, args);
    },
  });
}

/**
 * What a process lends the remote ports of the modules it does not run: pooled HTTP clients to
 * their processes, and a place for the checks, routes and shutdown hooks those ports bring.
 */
export function createRemote(ctx: Context, port: number, modules: readonly ModuleDescriptor[]) {
  const clients = new Map<string, HttpClient>();
  const ready: ReadinessChecks = {};
  const degraded: ReadinessChecks = {};
  const routes: ((app: App) => void)[] = [];
  const closers: (() => Promise<void>)[] = [];
  const remote: RemoteContext = {
    config: ctx.config,
    service: ctx.service,
    port,
    logger: ctx.logger,
    metrics: ctx.metrics,
    http(name, { timeoutMs } = {}) {
      const key = `${name}:${timeoutMs ?? ''}`;
      let client = clients.get(key);
      if (!client) {
        const url = urlOf(ctx.config, moduleNamed(name, modules));
        clients.set(key, (client = createHttpClient(url, { token: ctx.config.internalToken, ...(timeoutMs ? { timeoutMs } : {}) })));
      }
      return client;
    },
    internalRoutes: (register) => void routes.push(register),
    ready: (checks) => void Object.assign(ready, checks),
    degraded: (checks) => void Object.assign(degraded, checks),
    onClose: (close) => void closers.push(close),
  };
  return {
    remote,
    ready,
    degraded,
    mount: (app: App) => routes.forEach((register) => register(app)),
    /** The ports' own hooks first (a sender flushes through its client), then the clients. */
    async close(): Promise<void> {
      for (const close of closers) await close();
      await Promise.all([...clients.values()].map((c) => c.close()));
    },
  };
}

/** The peers a module needs, reached over HTTP from this process. */
export function connectPeers(module: ModuleDescriptor, remote: RemoteContext, modules: readonly ModuleDescriptor[]): object {
  return Object.fromEntries(module.needs.map((name) => [name, moduleNamed(name, modules).connect(remote)]));
}

/** Stop order: ascending `stopOrder` (producers of clicks before their consumers). */
export const inStopOrder = <T extends { descriptor: ModuleDescriptor } | ModuleDescriptor>(items: readonly T[]): T[] =>
  [...items].sort((a, b) => orderOf(a) - orderOf(b));

const orderOf = (item: { descriptor: ModuleDescriptor } | ModuleDescriptor) => ('descriptor' in item ? item.descriptor : item).stopOrder;
