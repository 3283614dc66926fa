import type { Action, Rule, ScaleAction } from './autopilot.rules.ts';
import type { Signals } from './autopilot.signals.ts';

/** What the autopilot remembers between windows; decide() returns the next one, never mutates. */
export interface DecideState {
  /** Per rule: consecutive windows its condition held, and when it last acted (ms). */
  rules: Readonly<Record<string, { streak: number; lastActedAt: number | null }>>;
  /** Replica counts scale rules recommended, with when (scale-in stabilisation reads them). */
  recommendations: readonly { at: number; desired: number }[];
}

export interface Decision {
  rule: string;
  action: Action;
  /** The condition, and the value that met it. */
  when: Rule['when'] & { actual: number };
  /** For `scale`: the replica count before and the one asked for. */
  scale?: { from: number; to: number };
}

export interface DecideInput {
  now: number;
  signals: Signals;
  rules: readonly Rule[];
  /** Redirector replicas now (the supervisor's count; 1 for a monolith). */
  replicas: number;
  state: DecideState;
}

export const initialState = (): DecideState => ({ rules: {}, recommendations: [] });

const OPS: Record<Rule['when']['op'], (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b, '>=': (a, b) => a >= b, '<': (a, b) => a < b, '<=': (a, b) => a <= b, '==': (a, b) => a === b, '!=': (a, b) => a !== b,
};

/** HPA's formula: ceil(current × signal / target), nothing inside the tolerance band, within min and max. */
export function desiredReplicas(action: ScaleAction, current: number, signal: number): number {
  const ratio = signal / action.target;
  if (Math.abs(ratio - 1) <= (action.tolerance ?? 0.1)) return Math.min(Math.max(current, action.min), action.max);
  return Math.min(Math.max(Math.ceil(current * ratio), action.min), action.max);
}

/**
 * One window's decisions. A rule acts when its condition held `for` consecutive windows and its
 * cooldown has passed; a scale rule acts only when the count would change, and a scale-in never
 * goes below what any scale rule recommended within its stabilisation window (no flapping).
 * A signal that is null this window (nothing to measure) breaks the streak.
 */
export function decide({ now, signals, rules, replicas, state }: DecideInput): { decisions: Decision[]; state: DecideState } {
  const next: Record<string, { streak: number; lastActedAt: number | null }> = {};
  const horizon = Math.max(0, ...rules.map((r) => (r.action.type === 'scale' ? (r.action.stabilisation ?? 0) : 0))) * 1000;
  // Every scale rule with a value recommends a count each window, acting or not (as the HPA does).
  const recommendations = [
    ...state.recommendations.filter((r) => now - r.at <= horizon),
    ...rules.flatMap((r) => {
      const value = signals[r.when.signal];
      return r.action.type === 'scale' && value !== null ? [{ at: now, desired: desiredReplicas(r.action, replicas, value) }] : [];
    }),
  ];
  const decisions: Decision[] = [];
  for (const rule of rules) {
    const previous = state.rules[rule.name] ?? { streak: 0, lastActedAt: null };
    const actual = signals[rule.when.signal];
    const holds = actual !== null && OPS[rule.when.op](actual, rule.when.value);
    const streak = holds ? previous.streak + 1 : 0;
    next[rule.name] = { streak, lastActedAt: previous.lastActedAt };
    if (!holds || actual === null || streak < rule.when.for) continue;
    if (previous.lastActedAt !== null && now - previous.lastActedAt < rule.cooldown * 1000) continue;
    const decision: Decision = { rule: rule.name, action: rule.action, when: { ...rule.when, actual } };
    if (rule.action.type === 'scale') {
      let desired = desiredReplicas(rule.action, replicas, actual);
      if (desired < replicas) {
        const window = (rule.action.stabilisation ?? 0) * 1000;
        desired = Math.max(desired, ...recommendations.filter((r) => now - r.at <= window).map((r) => r.desired));
      }
      if (desired === replicas) continue;
      decision.scale = { from: replicas, to: desired };
    }
    next[rule.name] = { streak, lastActedAt: now };
    decisions.push(decision);
  }
  return { decisions, state: { rules: next, recommendations } };
}
