import { adminCommands } from './cli/admin-commands.ts';
import { linkCommands } from './cli/link-commands.ts';
import { helpOf, parseFor, type Command } from './cli/command.ts';
import { exportClicksCommands } from './cli/export-clicks.ts';
import { createOutput, reportFailure, UsageError } from './cli/output.ts';
import { serverCommands } from './cli/server-commands.ts';
import { loadConfig } from './common/config.ts';
import { version } from './common/version.ts';

const commands: Record<string, Command> = { ...serverCommands, ...adminCommands, ...linkCommands, ...exportClicksCommands };
const GROUPS = new Set(['user', 'key', 'export']);

const overview = (): string =>
  [
    'Usage: morphlink [<command>] [options]      (no command: start)',
    '',
    ...Object.values(commands).map((c) => `  ${c.usage.padEnd(36)} ${c.summary.split(/(?<=\.) /)[0]}`),
    '',
    '  --json          print one JSON object (errors too: {"error": {"code", "message"}})',
    '  --help, -h      help for a command: morphlink <command> --help',
    '  --version       print the version',
    '',
    'Configuration comes from the environment and .env; see the README.',
  ].join('\n');

/** The command a line names, and the arguments after its name: `user create x` is "user create". */
function resolve(argv: string[]): { name: string; command: Command | undefined; rest: string[] } {
  const [first = 'start', second] = argv;
  if (GROUPS.has(first)) {
    const name = `${first} ${second ?? ''}`;
    if (second === undefined || second.startsWith('-')) {
      const actions = Object.keys(commands).filter((c) => c.startsWith(`${first} `)).map((c) => c.slice(first.length + 1));
      throw new UsageError(`${first}: expected one of ${actions.join(', ')}; e.g. morphlink ${first} ${actions[0]} --help`);
    }
    return { name, command: commands[name], rest: argv.slice(2) };
  }
  return { name: first, command: commands[first], rest: argv.slice(argv.length ? 1 : 0) };
}

async function main(argv: string[], json: boolean): Promise<void> {
  const out = createOutput(json);
  const [first] = argv;
  if (first === '--version' || first === '-v') return out.print({ version }, version);
  if (first === '--help' || first === '-h') return out.print({ usage: overview() }, overview());
  if (first === 'help') {
    const topic = argv.slice(1).filter((a) => !a.startsWith('-')).join(' ');
    if (!topic) return out.print({ usage: overview() }, overview());
    const command = commands[topic];
    if (!command) throw new UsageError(`help: unknown command "${topic}"; run morphlink --help for the list`);
    return out.print({ usage: helpOf(command) }, helpOf(command));
  }
  if (first && GROUPS.has(first) && (argv[1] === '--help' || argv[1] === '-h')) {
    const group = Object.entries(commands).filter(([n]) => n.startsWith(`${first} `)).map(([, c]) => helpOf(c));
    return out.print({ usage: group.join('\n\n') }, group.join('\n\n'));
  }
  if (first === '--json' && argv.length === 1) throw new UsageError('--json needs a command, e.g. morphlink user list --json');
  if (first?.startsWith('-')) throw new UsageError(`unknown option ${first}; run morphlink --help for the commands`);

  const { name, command, rest } = resolve(argv);
  if (!command) throw new UsageError(`unknown command "${name.trim()}"; run morphlink --help for the list`);
  if (command.raw) return command.run({ config: loadConfig, args: rest, values: {}, out });
  const { args, values } = parseFor(name, command, rest);
  if (values.help) return out.print({ usage: helpOf(command) }, helpOf(command));
  let config: ReturnType<typeof loadConfig> | undefined;
  await command.run({ config: () => (config ??= loadConfig()), args, values, out });
}

const argv = process.argv.slice(2);
// Known before parsing, so that even a parse error answers in JSON.
const json = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : undefined).includes('--json');
main(argv, json).catch((error: unknown) => {
  process.exit(reportFailure(error, json));
});
