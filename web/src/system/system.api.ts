import { ApiError, request } from '../api/http.ts';
import { parseMetrics, type Scrape } from './metrics.ts';

/** GET /health: a monolith's, or a gateway's with each upstream's (and 503 `degraded`). */
export interface Health {
  status: string;
  service: string;
  mode: string;
  version: string;
  services?: Record<string, string>;
}

/** GET /api/autopilot, as src/modules/autopilot shapes it. */
export interface AutopilotSnapshot {
  signals: Record<string, number | null> | null;
  rules: unknown[];
  decisions: Decision[];
}

export interface Decision {
  at: string;
  rule: string;
  action: { type: string };
  when: { signal: string; op: string; value: number; actual: number };
  scale?: { from: number; to: number };
  result: 'done' | 'failed' | 'dry-run';
  error?: string;
}

export async function fetchHealth(): Promise<Health> {
  const response = await fetch('/health', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  // A degraded gateway answers 503 with the same body: still worth showing.
  const body = (await response.json().catch(() => null)) as Health | null;
  if (!body || typeof body.status !== 'string') throw new Error(`/health answered ${response.status}`);
  return body;
}

export async function scrapeMetrics(): Promise<Scrape> {
  const response = await fetch('/metrics', { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return { at: Date.now(), samples: parseMetrics(await response.text()) };
}

/** What GET /api/autopilot answered: the snapshot, or (no autopilot here) the status, 0 for no answer. */
export type AutopilotAnswer = { snapshot: AutopilotSnapshot } | { status: number };

export function fetchAutopilot(): Promise<AutopilotAnswer> {
  return request<AutopilotSnapshot>('GET', '/api/autopilot', { isAuthProbe: true }).then(
    (snapshot) => ({ snapshot }),
    (e: unknown) => ({ status: e instanceof ApiError ? e.status : 0 }),
  );
}
