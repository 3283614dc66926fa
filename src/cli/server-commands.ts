import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../common/config.ts';
import { describeDatabase } from '../common/database-url.ts';
import { migrateAll } from '../runtime/admin.ts';
import type { Command } from './command.ts';
import { CliError, UsageError, type Output } from './output.ts';

/** Every module can run as a service of its own, and so can the gateway. */
async function serviceNames(): Promise<string[]> {
  const { MODULES } = await import('../runtime/registry.ts');
  return [...MODULES.map((m) => m.name), 'gateway'];
}

/** Says which database(s) an admin command used: a CLI run elsewhere must not silently use another. */
export function noteDatabases(out: Output, config: Readonly<Config>, modules: ('auth' | 'links' | 'analytics')[]): string[] {
  const urls = [...new Set(modules.map((m) => config.moduleDatabaseUrls[m]))].map(describeDatabase);
  for (const url of urls) out.note(`database: ${url}`);
  return urls;
}

export const serverCommands: Record<string, Command> = {
  start: {
    usage: 'start',
    summary: 'Run the configured MODE (monolith by default; microservices runs every service under a supervisor).',
    arity: [0, 0],
    async run({ config }) {
      const cfg = config();
      if (cfg.mode === 'monolith') {
        const { startMonolith } = await import('../runtime/monolith.ts');
        return startMonolith(cfg);
      }
      const { startSupervisor } = await import('../runtime/supervisor.ts');
      return startSupervisor(cfg, {});
    },
  },
  serve: {
    usage: 'serve <auth|links|redirector|analytics|gateway>',
    summary: 'Run one service on its own port (microservices mode).',
    arity: [1, 1],
    async run({ config, args: [service = ''] }) {
      const services = await serviceNames();
      if (!services.includes(service)) throw new UsageError(`serve: unknown service "${service}"; expected one of ${services.join(', ')}`);
      const { startService } = await import('../runtime/service.ts');
      return startService({ ...config(), mode: 'microservices' }, service);
    },
  },
  up: {
    usage: 'up [--replicas redirector=N] [--autopilot]',
    summary: 'Run every service and the gateway under a supervisor that restarts and scales them.',
    details: [
      '  --replicas redirector=N   start N redirector replicas (1-99)',
      '  --autopilot               also run the autopilot (AUTOPILOT_PORT, rules from AUTOPILOT_RULES), which scales the redirectors',
    ].join('\n'),
    options: { replicas: { type: 'string' }, autopilot: { type: 'boolean', default: false } },
    arity: [0, 0],
    async run({ config, values }) {
      const { startSupervisor, parseReplicas } = await import('../runtime/supervisor.ts');
      let replicas: ReturnType<typeof parseReplicas>;
      try {
        replicas = parseReplicas(values.replicas as string | undefined);
      } catch (error) {
        throw new UsageError(`up: ${(error as Error).message}`);
      }
      return startSupervisor({ ...config(), mode: 'microservices' }, { replicas, autopilot: values.autopilot === true });
    },
  },
  autopilot: {
    usage: 'autopilot [--target URL ...] [--rules FILE] [--dry-run] [--once]',
    summary: "Watch the fleet's metrics, decide by rules (scale, log, webhook) and record why in DATA_DIR/autopilot/decisions.jsonl.",
    details: [
      '  --target URL   a process to scrape (its /metrics); repeat for several. Default: what the',
      "                 supervisor's GET /status lists (SUPERVISOR_PORT), else the monolith on PORT",
      '  --rules FILE   the rules (JSON); default: the shipped src/modules/autopilot/default-rules.json',
      '  --dry-run      decide and record, change nothing',
      '  --once         one window (AUTOPILOT_WINDOW_MS), print its signals and decisions, exit',
    ].join('\n'),
    options: { target: { type: 'string', multiple: true }, rules: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, once: { type: 'boolean', default: false } },
    arity: [0, 0],
    async run({ config, values }) {
      const targets = (values.target as unknown as string[] | undefined) ?? [];
      for (const target of targets) {
        if (!URL.canParse(target) || !/^https?:$/.test(new URL(target).protocol)) throw new UsageError(`autopilot: --target expects an http(s) URL, got "${target}"`);
      }
      const { startAutopilot, RulesError } = await import('../runtime/autopilot.ts');
      const options = { targets, rulesFile: (values.rules as string | undefined) ?? null, dryRun: values['dry-run'] === true, once: values.once === true };
      try {
        await startAutopilot(config(), options);
      } catch (error) {
        // A bad rules file is the user's to fix: its message names the rule and the field.
        if (error instanceof RulesError) throw new CliError('RULES', `autopilot: ${error.message}`);
        throw error;
      }
    },
  },
  migrate: {
    usage: 'migrate',
    summary: "Apply every module's database migrations, then exit.",
    arity: [0, 0],
    async run({ config, out }) {
      const databases = noteDatabases(out, config(), ['auth', 'links', 'analytics']);
      await migrateAll(config());
      out.print({ migrated: true, databases }, 'Migrations applied.');
    },
  },
  bench: {
    usage: 'bench [--quick] [--json] [--scale] …',
    summary: 'The redirect benchmark; `morphlink bench --help` lists its own options.',
    arity: [0, Infinity],
    raw: true,
    async run({ args }) {
      // The benchmark lives outside src/ (a tool, not the product): it runs as its own process and parses its own flags.
      const script = fileURLToPath(new URL('../../bench/bench.ts', import.meta.url));
      const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit' });
      process.exitCode = result.status ?? 1;
    },
  },
};
