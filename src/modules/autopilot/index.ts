import { fileURLToPath } from 'node:url';
export { act, signBody, type ActionDeps, type DecisionRecord } from './autopilot.actions.ts';
export { decide, desiredReplicas, initialState, type Decision, type DecideState } from './autopilot.decide.ts';
export { loadRules, validateRules, RulesError, type Rule } from './autopilot.rules.ts';
export { autopilotRoutes } from './autopilot.routes.ts';
export { parseMetrics, scrape, type Scrape } from './autopilot.scrape.ts';
export { createAutopilot, createAutopilotMetrics, type Autopilot, type Watched } from './autopilot.service.ts';
export { computeSignals, SIGNAL_NAMES, type Signals } from './autopilot.signals.ts';

/** The rules shipped with MorphLink (default-rules.json beside this file). */
export const DEFAULT_RULES_FILE = fileURLToPath(new URL('./default-rules.json', import.meta.url));
