import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './common/config.ts';
import { AppError } from './common/errors.ts';
import { migrateAll, withAuthAdmin } from './runtime/admin.ts';
import { startMonolith } from './runtime/monolith.ts';

const USAGE = `Usage: morphlink <command> [options]

  start                              run the configured MODE (monolith by default)
  serve <auth|links|redirector|analytics|gateway>
                                     run one service (microservices mode)
  up [--replicas redirector=N]       run every service and the gateway under a supervisor
  migrate                            apply database migrations
  user create <name> [--admin]       create a user; prints its first API key once
  key create <name>                  issue another API key for a user
  key revoke <prefix>                revoke an API key by its prefix (mlk_XXXXXXXXXX)
  bench [--quick] [--json]           the redirect benchmark

  --json                             print one JSON object
Configuration comes from the environment and .env; see the README.`;

type Flags = { json: boolean; admin: boolean; replicas?: string };
type Command = (config: Readonly<Config>, args: string[], flags: Flags) => Promise<void>;

function print(flags: Flags, json: object, text: string): void {
  console.log(flags.json ? JSON.stringify(json) : text);
}

const commands: Record<string, Command> = {
  async start(config) {
    if (config.mode === 'monolith') return startMonolith(config);
    const { startSupervisor } = await import('./runtime/supervisor.ts');
    return startSupervisor(config, {});
  },
  async serve(config, [service]) {
    const { startService } = await import('./runtime/service.ts');
    return startService({ ...config, mode: 'microservices' }, service ?? '');
  },
  async up(config, _args, flags) {
    const { startSupervisor, parseReplicas } = await import('./runtime/supervisor.ts');
    return startSupervisor({ ...config, mode: 'microservices' }, { replicas: parseReplicas(flags.replicas) });
  },


  async bench(_config, args) {
    // The benchmark lives outside src/ (it is a tool, not the product): run it as its own process.
    const { spawnSync } = await import('node:child_process');
    const script = fileURLToPath(new URL('../bench/bench.ts', import.meta.url));
    const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit' });
    process.exitCode = result.status ?? 1;
  },
  async migrate(config, _args, flags) {
    await migrateAll(config);
    print(flags, { migrated: true }, 'Migrations applied.');
  },
  async user(config, [action, name], flags) {
    if (action !== 'create' || !name) throw new UsageError('usage: morphlink user create <name> [--admin] [--json]');
    const issued = await withAuthAdmin(config, (auth) => auth.createUser(name, { admin: flags.admin }));
    print(
      flags,
      { user: issued.user.name, apiKey: issued.apiKey, admin: issued.user.isAdmin },
      `Created user ${issued.user.name}${issued.user.isAdmin ? ' (admin)' : ''}.\nAPI key (shown once, keep it safe):\n\n  ${issued.apiKey}\n\n` +
        `Try: curl -H "Authorization: Bearer ${issued.apiKey}" ${config.baseUrl}/api/links`,
    );
  },
  async key(config, [action, arg], flags) {
    if (action === 'create' && arg) {
      const issued = await withAuthAdmin(config, (auth) => auth.createKey(arg));
      return print(flags, { user: issued.user.name, apiKey: issued.apiKey }, `API key for ${arg} (shown once):\n\n  ${issued.apiKey}`);
    }
    if (action === 'revoke' && arg) {
      await withAuthAdmin(config, (auth) => auth.revokeKey(arg));
      return print(flags, { revoked: arg }, `Revoked ${arg}.`);
    }
    throw new UsageError('usage: morphlink key create <user> | key revoke <prefix>');
  },


};

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: {
      json: { type: 'boolean', default: false },
      admin: { type: 'boolean', default: false },
      replicas: { type: 'string' },
      rules: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [name = 'start', ...args] = positionals;
  const command = commands[name];
  if (values.help || !command) {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const flags = values as Flags;
  // bench parses its own flags (--quick, --scale …) from the raw arguments.
  await command(loadConfig(), name === 'bench' ? argv.slice(argv.indexOf('bench') + 1) : args, flags);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof UsageError) console.error(error.message);
  else if (error instanceof AppError) console.error(`${error.code}: ${error.message}`);
  else console.error(error);
  process.exit(error instanceof UsageError ? 2 : 1);
});
