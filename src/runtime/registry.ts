import type { Config } from '../common/config.ts';
import type { ModuleDescriptor } from '../common/module.ts';
import { analyticsModule } from '../modules/analytics/index.ts';
import { authModule } from '../modules/auth/index.ts';
import { linksModule } from '../modules/links/index.ts';
import { redirectorModule } from '../modules/redirector/index.ts';

/**
 * Every module MorphLink runs: a new module is its folder plus one line here. Built in this
 * order in one process, so a module comes after the peers its build reads at once (the
 * redirector takes analytics' click sink); a peer built later is reached when first called.
 */
export const MODULES: readonly ModuleDescriptor[] = [authModule, linksModule, analyticsModule, redirectorModule];

export function moduleNamed(name: string, modules: readonly ModuleDescriptor[] = MODULES): ModuleDescriptor {
  const module = modules.find((m) => m.name === name);
  if (!module) throw new Error(`No module "${name}": expected one of ${modules.map((m) => m.name).join(', ')}.`);
  return module;
}

/** A module's own port in microservices: its `<NAME>_PORT` (see the config table), else its default. */
export function portOf(config: Readonly<Config>, module: ModuleDescriptor): number {
  return new Map<string, number>(Object.entries(config.servicePorts)).get(module.name) ?? module.defaultPort;
}

/** Where a module's process is reached: its `<NAME>_URL`, else 127.0.0.1 on its port. */
export function urlOf(config: Readonly<Config>, module: ModuleDescriptor): string {
  return new Map<string, string>(Object.entries(config.serviceUrls)).get(module.name) ?? `http://127.0.0.1:${portOf(config, module)}`;
}
