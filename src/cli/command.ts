import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../common/config.ts';
import { UsageError, type Output } from './output.ts';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export interface CommandInput {
  /** Read on demand: `--help` and misuse never need a valid configuration. */
  config(): Readonly<Config>;
  args: string[];
  values: Values;
  out: Output;
}

export interface Command {
  /** e.g. `user create <name> [--admin]`, shown by --help and in the overview. */
  usage: string;
  summary: string;
  /** Longer help: what each option does. */
  details?: string;
  options?: ParseArgsOptionsConfig;
  /** How many positional arguments it takes: [min, max]. */
  arity: [number, number];
  /** Takes its arguments raw and parses them itself (bench). */
  raw?: boolean;
  run(input: CommandInput): Promise<void>;
}

const COMMON: ParseArgsOptionsConfig = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

export const helpOf = (command: Command): string =>
  `Usage: morphlink ${command.usage} [--json]\n\n${command.summary}${command.details ? `\n\n${command.details}` : ''}`;

/** Strict parsing for one command: an unknown option, a value where none belongs or a missing argument is a UsageError. */
export function parseFor(name: string, command: Command, args: string[]): { args: string[]; values: Values } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: { ...COMMON, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    throw new UsageError(`${name}: ${explain(message)} (see: morphlink ${name} --help)`);
  }
  const values = parsed.values as Values;
  if (values.help) return { args: parsed.positionals, values };
  const [min, max] = command.arity;
  const count = parsed.positionals.length;
  if (count < min) throw new UsageError(`${name}: missing argument; usage: morphlink ${command.usage}`);
  if (count > max) {
    throw new UsageError(`${name}: unexpected argument "${parsed.positionals[max]}"; usage: morphlink ${command.usage}`);
  }
  return { args: parsed.positionals, values };
}

// Node's messages are long and mention internals ("To specify a positional argument starting with a '-'…").
function explain(message: string): string {
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const noValue = /^Option '(--[^ ']+)[^']*' does not take an argument/.exec(message);
  if (noValue) return `${noValue[1]} takes no value: give ${noValue[1]} alone for yes, leave it out for no`;
  return message.replace(/\.$/, '');
}
