import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/logger.ts';
import { METRICS, counter, gauge } from '../../common/metrics.catalogue.ts';
import type { DecisionRecord } from './autopilot.actions.ts';
import { decide, initialState, type Decision, type DecideState } from './autopilot.decide.ts';
import type { Rule } from './autopilot.rules.ts';
import { scrape, type Scrape } from './autopilot.scrape.ts';
import { computeSignals, type Signals } from './autopilot.signals.ts';

/** What the autopilot watches: target base URLs and the redirector replica count now. */
export interface Watched {
  targets: string[];
  /** null: not known (explicit targets), counted from the targets that answer redirects. */
  replicas: number | null;
}

export interface AutopilotDeps {
  rules: readonly Rule[];
  windowMs: number;
  /** Asked every window: the supervisor's processes can change (a scale, a restart). */
  watch: () => Promise<Watched>;
  act: (decision: Omit<DecisionRecord, 'result'>) => Promise<DecisionRecord>;
  /** DATA_DIR/autopilot/decisions.jsonl */
  journal: string;
  registry: Registry;
  logger: Logger;
  now?: () => number;
}

export function createAutopilotMetrics(registry: Registry) {
  return { decisions: counter(registry, METRICS.autopilotDecisions), targetsDown: gauge(registry, METRICS.autopilotTargetsDown) };
}

export type Autopilot = ReturnType<typeof createAutopilot>;

/** Scrapes every target each window, turns two scrapes into signals, decides, acts and records why. */
export function createAutopilot(deps: AutopilotDeps) {
  const now = deps.now ?? Date.now;
  const metrics = createAutopilotMetrics(deps.registry);
  let previous = new Map<string, Scrape>();
  let state: DecideState = initialState();
  let signals: Signals | null = null;
  const recent: DecisionRecord[] = [];

  async function scrapeAll(targets: string[]): Promise<Map<string, Scrape>> {
    const scrapes = await Promise.all(targets.map((t) => scrape(t, now, Math.min(deps.windowMs, 2_000))));
    return new Map(scrapes.map((s) => [s.target, s]));
  }

  async function record(decision: Decision, window: DecisionRecord['window'], values: Signals): Promise<DecisionRecord> {
    const done = await deps.act({ at: new Date(now()).toISOString(), ...decision, window, signals: values });
    metrics.decisions.labels(done.rule, done.action.type, done.result).inc();
    // One structured line per decision: the original design's "simulated deployment".
    deps.logger.info({ decision: done }, `autopilot: ${done.rule} → ${done.action.type} ${done.result}`);
    await mkdir(dirname(deps.journal), { recursive: true });
    await appendFile(deps.journal, `${JSON.stringify(done)}\n`);
    recent.push(done);
    if (recent.length > 100) recent.shift();
    return done;
  }

  return {
    /** The first scrape of every target: the window starts here. */
    async start(): Promise<void> {
      previous = await scrapeAll((await deps.watch()).targets);
    },
    /** One window: scrape again, compare, decide, act. */
    async tick(): Promise<DecisionRecord[]> {
      const watched = await deps.watch();
      const current = await scrapeAll(watched.targets);
      // A target new this window (a replica just started) has no "before" yet: its own scrape stands in.
      const pairs = watched.targets.map((t): [Scrape, Scrape] => [previous.get(t) ?? current.get(t)!, current.get(t)!]);
      const to = pairs.length ? Math.max(...pairs.map(([, a]) => a.at)) : now();
      const from = pairs.length ? Math.min(...pairs.map(([b]) => b.at)) : to - deps.windowMs;
      const seconds = Math.max((to - from) / 1000, 0.001);
      signals = computeSignals(pairs, seconds);
      // The supervisor's count, when known, is the one the rate is shared by (a replica that has not served yet included).
      if (watched.replicas !== null && signals.redirect_rate !== null) {
        signals = { ...signals, replicas: watched.replicas, redirect_rate_per_replica: Math.round((signals.redirect_rate / watched.replicas) * 1000) / 1000 };
      }
      // Watching explicit targets: the replicas are the redirect-counting targets that answered.
      const replicas = watched.replicas ?? Math.max(signals.replicas ?? 1, 1);
      metrics.targetsDown.set(signals.targets_down ?? 0);
      previous = current;
      const result = decide({ now: now(), signals, rules: deps.rules, replicas, state });
      state = result.state;
      const window = { seconds: Math.round(seconds * 1000) / 1000, from: new Date(from).toISOString(), to: new Date(to).toISOString(), targets: watched.targets };
      const records: DecisionRecord[] = [];
      for (const decision of result.decisions) records.push(await record(decision, window, signals));
      return records;
    },
    /** What GET /api/autopilot shows. */
    snapshot: () => ({ signals, rules: deps.rules, decisions: [...recent].reverse() }),
  };
}
