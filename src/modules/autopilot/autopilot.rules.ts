import { readFileSync } from 'node:fs';
import { Type, type Static } from 'typebox';
import { Check, Errors } from 'typebox/value';
import { SIGNAL_NAMES } from './autopilot.signals.ts';

const Seconds = Type.Number({ minimum: 0, maximum: 86_400 });

export const ScaleAction = Type.Object({
  type: Type.Literal('scale'),
  /** The signal value one replica should carry: desired = ceil(current × signal / target). */
  target: Type.Number({ exclusiveMinimum: 0 }),
  min: Type.Integer({ minimum: 1, maximum: 32 }),
  max: Type.Integer({ minimum: 1, maximum: 32 }),
  /** No change while |signal / target − 1| is within it (HPA's 0.1). */
  tolerance: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  /** Scale-in takes the highest recommendation of this many seconds (HPA's 300). */
  stabilisation: Type.Optional(Seconds),
}, { additionalProperties: false });

export const Action = Type.Union([
  Type.Object({ type: Type.Literal('log') }, { additionalProperties: false }),
  ScaleAction,
  Type.Object({ type: Type.Literal('webhook'), url: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://' })) }, { additionalProperties: false }),
]);

export const Rule = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }),
  when: Type.Object({
    signal: Type.Union(SIGNAL_NAMES.map((s) => Type.Literal(s))),
    op: Type.Union([Type.Literal('>'), Type.Literal('>='), Type.Literal('<'), Type.Literal('<='), Type.Literal('=='), Type.Literal('!=')]),
    value: Type.Number(),
    /** Consecutive windows the condition must hold. */
    for: Type.Integer({ minimum: 1, maximum: 1000 }),
  }, { additionalProperties: false }),
  action: Action,
  /** Seconds after it acted before this rule may act again. */
  cooldown: Seconds,
}, { additionalProperties: false });
export const Rules = Type.Array(Rule, { minItems: 1 });

export type Rule = Static<typeof Rule>;
export type ScaleAction = Static<typeof ScaleAction>;
export type Action = Static<typeof Action>;

/** A rules file that cannot be used: the message names the file, the rule and the field. */
export class RulesError extends Error {}

/** Validates rules at load; the first problem names the rule (by its name, else its index) and the field. */
export function validateRules(value: unknown, source: string): Rule[] {
  const list: unknown[] = Array.isArray(value) ? value : [];
  if (!Array.isArray(value)) throw new RulesError(`${source}: expected a JSON array of rules`);
  for (const [index, rule] of list.entries()) {
    if (Check(Rule, rule)) continue;
    const name = (rule as { name?: unknown } | null)?.name;
    const label = typeof name === 'string' ? `rule "${name}"` : `rule #${index + 1}`;
    // A union reports on every branch; the deepest path is the field that is actually wrong.
    const errors = Errors(Rule, rule).sort((a, b) => b.instancePath.length - a.instancePath.length);
    const first = errors[0];
    const field = first?.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(the rule itself)';
    throw new RulesError(`${source}: ${label}: field "${field}" ${first?.message ?? 'is invalid'}`);
  }
  const rules = list as Rule[];
  const names = new Set<string>();
  for (const rule of rules) {
    if (names.has(rule.name)) throw new RulesError(`${source}: rule "${rule.name}": field "name" is used twice`);
    names.add(rule.name);
    if (rule.action.type === 'scale' && rule.action.min > rule.action.max) {
      throw new RulesError(`${source}: rule "${rule.name}": field "action.min" is above action.max`);
    }
  }
  return rules;
}

export function loadRules(file: string): Rule[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RulesError(`${file}: cannot read the rules file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RulesError(`${file}: not JSON (${(error as Error).message})`);
  }
  return validateRules(value, file);
}
