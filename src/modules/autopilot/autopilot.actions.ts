import { createHmac } from 'node:crypto';
import type { Logger } from '../../common/logger.ts';
import type { Decision } from './autopilot.decide.ts';
import type { Signals } from './autopilot.signals.ts';

/** A decision as recorded: its inputs (signals and window), the rule, the action and the result. */
export interface DecisionRecord extends Decision {
  at: string;
  window: { seconds: number; from: string; to: string; targets: string[] };
  signals: Signals;
  result: 'done' | 'failed' | 'dry-run';
  error?: string;
}

export interface ActionDeps {
  dryRun: boolean;
  logger: Logger;
  /** The supervisor's control URL (`PUT /replicas`); null when watching a monolith. */
  supervisorUrl: string | null;
  token: string | null;
  webhookUrl: string | null;
  webhookSecret: string | null;
  /** Webhook attempts after the first, and the first pause (doubled each time). */
  retries?: number;
  backoffMs?: number;
}

/** `sha256=<hex>`: HMAC-SHA256 of the exact body bytes, as GitHub signs its webhooks. */
export const signBody = (body: string, secret: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function scale(deps: ActionDeps, to: number): Promise<void> {
  if (!deps.supervisorUrl) throw new Error('no supervisor to scale: the target is a monolith (run `morphlink up --autopilot`)');
  const response = await fetch(`${deps.supervisorUrl}/replicas`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${deps.token ?? ''}` },
    body: JSON.stringify({ redirector: to }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`PUT /replicas answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
}

/** POSTs the decision; a refused connection, a 5xx or a 429 is retried with backoff, another 4xx is final. */
async function webhook(deps: ActionDeps, url: string | undefined, record: Omit<DecisionRecord, 'result'>): Promise<void> {
  const target = url ?? deps.webhookUrl;
  if (!target) throw new Error('no webhook URL: set action.url or AUTOPILOT_WEBHOOK_URL');
  if (!deps.webhookSecret) throw new Error('no webhook secret: set AUTOPILOT_WEBHOOK_SECRET');
  const body = JSON.stringify(record);
  const headers = { 'content-type': 'application/json', 'x-morphlink-signature': signBody(body, deps.webhookSecret) };
  let last = '';
  for (let attempt = 0; attempt <= (deps.retries ?? 3); attempt++) {
    if (attempt > 0) await pause((deps.backoffMs ?? 250) * 2 ** (attempt - 1));
    try {
      const response = await fetch(target, { method: 'POST', headers, body, signal: AbortSignal.timeout(5_000) });
      if (response.ok) return;
      last = `answered ${response.status}`;
      if (response.status < 500 && response.status !== 429) break;
    } catch (error) {
      last = (error as Error).cause ? String((error as Error & { cause: unknown }).cause) : (error as Error).message;
    }
  }
  throw new Error(`webhook ${target}: ${last}`);
}

/** Carries out one decision (or not, in a dry run) and says how it went; never throws. */
export async function act(deps: ActionDeps, decision: Omit<DecisionRecord, 'result'>): Promise<DecisionRecord> {
  if (deps.dryRun) return { ...decision, result: 'dry-run' };
  try {
    if (decision.action.type === 'scale' && decision.scale) await scale(deps, decision.scale.to);
    if (decision.action.type === 'webhook') await webhook(deps, decision.action.url, decision);
    return { ...decision, result: 'done' };
  } catch (error) {
    return { ...decision, result: 'failed', error: (error as Error).message };
  }
}
