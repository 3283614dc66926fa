import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HTTPMethods } from 'fastify';
import type { Config } from './config.ts';
import type { ModuleMigrations } from './db.ts';
import type { Database } from './db.types.ts';
import type { App } from './http/app.ts';
import type { HttpClient } from './http/client.ts';
import type { Authenticate } from './http/principal.ts';
import type { ReadinessChecks } from './http/server.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

/**
 * A module describes itself once: what it is called, where it listens, its tables, its public
 * routes, what it needs from its peers and how it is built. The runtime mounts modules from these
 * descriptors, in one process (monolith) or one per process (microservices); nothing else in the
 * runtime names a module.
 */
export interface ModuleDescriptor<Provides = unknown, Needs = object, Settings = Readonly<Config>> {
  name: ModuleName;
  /** Its own port in microservices (`<NAME>_PORT` overrides it). */
  defaultPort: number;
  migrations: ModuleMigrations | null;
  /** The public URLs it answers; the gateway's route table is made of these. */
  publicRoutes: readonly PublicRoute[];
  /** Stopped in ascending order: click producers before the services they feed. */
  stopOrder: number;
  /** True when the supervisor may run several replicas of it behind the gateway. */
  replicated?: boolean;
  /** Its peers, by module name; `build` and `connect` get them as `peers[name]`. */
  needs: readonly ModuleName[];
  /** The module in this process, with its peers (in-process or remote, it cannot tell). */
  build(ctx: ModuleContext<Settings>, peers: Needs): Promise<BuiltModule<Provides>>;
  /** What it provides, reached over HTTP from a process that does not run it. */
  connect(remote: RemoteContext): Provides;
}

export type ModuleName = 'auth' | 'links' | 'analytics' | 'redirector' | (string & {});

export interface PublicRoute {
  methods: HTTPMethods[];
  url: string;
}

/**
 * What a module gets from the process it is built in. `config` is only its slice of the settings
 * (`configSlice`, by the readers each row of the config table names), so a module cannot read
 * what the table does not say it reads.
 */
export interface ModuleContext<Settings = Readonly<Config>> {
  config: Settings;
  /** The process's name: the module's own, or `monolith`. */
  service: string;
  logger: Logger;
  metrics: Metrics;
  /** Its own database, migrated; null for a module without tables. */
  database: Database | null;
  visitorSecret: string;
}

/** What a process that does not run a module has, to reach it. */
export interface RemoteContext {
  config: Readonly<Config>;
  /** The hosting process: its name and port (a redirector replica's spool is named after them). */
  service: string;
  port: number;
  logger: Logger;
  metrics: Metrics;
  /** A pooled client for a module's service URL, with the internal token. */
  http(module: ModuleName, options?: { timeoutMs?: number }): HttpClient;
  /** Routes the remote side needs in the hosting process (guarded by INTERNAL_TOKEN). */
  internalRoutes(register: (app: App) => void): void;
  /** Readiness of the hosting process that depends on the remote module answering. */
  ready(checks: ReadinessChecks): void;
  /** Checks that only degrade the hosting process (see HttpServerOptions.degraded). */
  degraded(checks: ReadinessChecks): void;
  onClose(close: () => Promise<void>): void;
}

export interface BuiltModule<Provides> {
  /** What its peers in this process get. */
  provides: Provides;
  /** Its public routes. */
  routes(app: App): void;
  /** Its internal routes for peers in other processes (mounted only there), behind `guard`. */
  internalRoutes?(app: App, guard: Authenticate): void;
  ready?: ReadinessChecks;
  degraded?: ReadinessChecks;
  /** Tried before the framework on every request (the redirector's hot path). */
  fastPath?: (request: IncomingMessage, response: ServerResponse) => boolean;
  /** Writes what it buffers (the click writer), e.g. before a test reads the counts. */
  flush?(): Promise<void>;
  /** Flushes and releases what it holds; called in stop order. */
  close?(): Promise<void>;
}
