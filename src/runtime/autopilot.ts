import { join } from 'node:path';
import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import { createAdminGuard } from './autopilot.guard.ts';
import { act, autopilotRoutes, createAutopilot, DEFAULT_RULES_FILE, loadRules, type Watched } from '../modules/autopilot/index.ts';

export { RulesError } from '../modules/autopilot/index.ts';
import { createContext, createServerFor } from './context.ts';
import { serve } from './lifecycle.ts';

export interface AutopilotOptions {
  /** Base URLs to scrape; none: the supervisor's processes, else the monolith on PORT. */
  targets: string[];
  rulesFile: string | null;
  dryRun: boolean;
  /** One window, its decisions printed, then exit. */
  once: boolean;
}

interface SupervisorStatus {
  processes: { name: string; port: number; state: string }[];
  replicas: { redirector: number };
}

/** Who to watch: the given targets, else what the supervisor runs (itself left out), else the monolith. */
function watcher(config: Readonly<Config>, targets: string[], logger: Logger): { watch: () => Promise<Watched>; supervisorUrl: () => string | null } {
  const supervisorUrl = `http://127.0.0.1:${config.supervisorPort}`;
  let supervised = false;
  return {
    supervisorUrl: () => (supervised || targets.length === 0 ? supervisorUrl : null),
    async watch() {
      if (targets.length) return { targets, replicas: null };
      try {
        const response = await fetch(`${supervisorUrl}/status`, {
          headers: { authorization: `Bearer ${config.internalToken ?? ''}` },
          signal: AbortSignal.timeout(2_000),
        });
        if (response.status === 401 && !supervised) logger.warn({ supervisor: supervisorUrl }, 'the supervisor refused our INTERNAL_TOKEN: watching PORT instead; set the fleet\'s token to scale it');
        if (!response.ok) throw new Error(`GET /status answered ${response.status}`);
        const status = (await response.json()) as SupervisorStatus;
        if (!supervised) logger.info({ supervisor: supervisorUrl }, 'autopilot watches the fleet the supervisor reports');
        supervised = true;
        const running = status.processes.filter((p) => p.state !== 'stopped' && p.name !== 'autopilot');
        return { targets: running.map((p) => `http://127.0.0.1:${p.port}`), replicas: status.replicas.redirector };
      } catch (error) {
        // Once a fleet was seen, a silent supervisor is not a monolith: keep its last targets' shape.
        if (supervised) throw error;
        return { targets: [`http://127.0.0.1:${config.port}`], replicas: 1 };
      }
    },
  };
}

/** `morphlink autopilot`: scrape, decide, act, record; its own /health, /ready, /metrics and GET /api/autopilot. */
export async function startAutopilot(config: Readonly<Config>, options: AutopilotOptions): Promise<void> {
  const rulesFile = options.rulesFile ?? config.autopilotRules ?? DEFAULT_RULES_FILE;
  const rules = loadRules(rulesFile);
  const ctx = createContext(config, 'autopilot');
  const { watch, supervisorUrl } = watcher(config, options.targets, ctx.logger);
  const autopilot = createAutopilot({
    rules,
    windowMs: config.autopilotWindowMs,
    watch,
    act: (decision) =>
      act(
        {
          dryRun: options.dryRun,
          logger: ctx.logger,
          supervisorUrl: supervisorUrl(),
          token: config.internalToken,
          webhookUrl: config.autopilotWebhookUrl,
          webhookSecret: config.autopilotWebhookSecret,
        },
        decision,
      ),
    journal: join(config.dataDir, 'autopilot', 'decisions.jsonl'),
    registry: ctx.metrics.registry,
    logger: ctx.logger,
  });
  ctx.logger.info({ rules: rules.map((r) => r.name), rulesFile, dryRun: options.dryRun, windowMs: config.autopilotWindowMs }, 'autopilot rules loaded');
  await autopilot.start();
  if (options.once) {
    await new Promise((resolve) => setTimeout(resolve, config.autopilotWindowMs));
    const decisions = await autopilot.tick();
    process.stdout.write(`${JSON.stringify({ signals: autopilot.snapshot().signals, decisions })}\n`);
    return;
  }
  const app = createServerFor(ctx, { ready: {} });
  autopilotRoutes(app, autopilot, createAdminGuard(config.internalToken, `http://127.0.0.1:${config.port}`));
  let stopped = false;
  // One window after another; a failed window (the supervisor gone) is logged, the next one tries again.
  const loop = async () => {
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, config.autopilotWindowMs));
      if (stopped) break;
      await autopilot.tick().catch((error: unknown) => ctx.logger.warn({ err: error }, 'autopilot window failed'));
    }
  };
  void loop();
  await serve(app, ctx, config.autopilotPort, [async () => void (stopped = true)]);
}
