import { createHmac } from 'node:crypto';
import { Agent, request } from 'undici';
import type { Logger } from '../../common/logger.ts';
import { checkWebhookTarget, guardedLookup, type Resolve } from './analytics.webhooks.address.ts';
import type { ClaimedDelivery, DeliveryRow, WebhooksRepository } from './analytics.webhooks.repository.ts';

export interface DispatcherOptions {
  repository: WebhooksRepository;
  logger: Logger;
  allowPrivate: boolean;
  /** One attempt's deadline: connect, headers and body together. */
  timeoutMs: number;
  /** The first retry's wait; each next one waits twice as long. */
  retryBaseMs: number;
  maxAttempts: number;
  /** Deliveries in flight at once, over every webhook. */
  concurrency: number;
  pollMs?: number;
  resolve?: Resolve;
  now?: () => number;
}

const MAX_BACKOFF_MS = 6 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;
/** Finished deliveries are kept this long for GET /api/webhooks/:id/deliveries. */
const KEEP_MS = 7 * 86_400_000;

/** `sha256=<hex>`: HMAC-SHA256 of the exact body bytes with the webhook's secret. */
export const signWebhookBody = (body: string, secret: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const describe = (error: unknown): string => {
  const e = error as { code?: string; name?: string; message?: string };
  return `${e.code ?? e.name ?? 'Error'}: ${e.message ?? String(error)}`.slice(0, 500);
};

/**
 * Sends pending deliveries from the database, off every request path: a poll (and a nudge when
 * this process enqueued some), at most `concurrency` requests at once, each with its deadline.
 * A failed attempt is retried with exponential backoff until `maxAttempts`, then marked failed.
 */
export function createWebhookDispatcher(options: DispatcherOptions) {
  const { repository, logger, allowPrivate, timeoutMs, retryBaseMs, maxAttempts, concurrency, pollMs = 1_000, resolve, now = Date.now } = options;
  // The socket connects to the address this lookup checked: no DNS rebinding between check and connect.
  const agent = new Agent({ connect: { lookup: guardedLookup(allowPrivate), timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connections: concurrency });
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let claiming = false;
  let again = false;
  let lastPrune = 0;

  const later = (ms: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      void tick();
    }, Math.max(0, ms));
    timer.unref();
    timers.add(timer);
  };

  async function send(delivery: ClaimedDelivery): Promise<Pick<DeliveryRow, 'last_status_code' | 'last_error'>> {
    try {
      const url = new URL(delivery.url);
      await checkWebhookTarget(url, { allowPrivate, resolve });
      const reply = await request(url, {
        method: 'POST',
        dispatcher: agent,
        body: delivery.body,
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stopping.signal]),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'MorphLink-Webhooks',
          'x-morphlink-event': 'clicks',
          'x-morphlink-delivery': delivery.id,
          'x-morphlink-attempt': String(delivery.attempts),
          'x-morphlink-timestamp': String(Math.floor(now() / 1000)),
          'x-morphlink-signature': signWebhookBody(delivery.body, delivery.secret),
        },
      });
      // Read and dropped, bounded: a receiver's answer is only its status.
      await reply.body.dump({ limit: 65_536 }).catch(() => undefined);
      const ok = reply.statusCode >= 200 && reply.statusCode < 300;
      return { last_status_code: reply.statusCode, last_error: ok ? null : `HTTP ${reply.statusCode}` };
    } catch (error) {
      return { last_status_code: null, last_error: describe(error) };
    }
  }

  async function deliver(delivery: ClaimedDelivery): Promise<void> {
    const started = now();
    const outcome = await send(delivery);
    // Stopping mid-attempt: the lease runs out and the next start sends it again.
    if (stopping.signal.aborted) return;
    const delay = Math.min(retryBaseMs * 2 ** (delivery.attempts - 1), MAX_BACKOFF_MS);
    const next: Pick<DeliveryRow, 'status' | 'next_at'> =
      outcome.last_error === null ? { status: 'delivered', next_at: null }
      : delivery.attempts >= maxAttempts ? { status: 'failed', next_at: null }
      : { status: 'pending', next_at: now() + delay };
    const attempt = { delivery_id: delivery.id, attempt: delivery.attempts, at: started, status_code: outcome.last_status_code, error: outcome.last_error, duration_ms: now() - started };
    await repository.finishAttempt(attempt, next);
    if (next.status === 'pending') later(delay);
    if (next.status === 'failed') logger.warn({ delivery: delivery.id, webhook: delivery.webhook_id, error: outcome.last_error }, 'webhook delivery failed for good');
  }

  async function tick(): Promise<void> {
    if (stopping.signal.aborted) return;
    if (claiming) {
      again = true;
      return;
    }
    claiming = true;
    try {
      do {
        again = false;
        const free = concurrency - inFlight.size;
        if (free <= 0) break;
        const at = now();
        // The lease outlives one attempt's deadline: only a process that died leaves it to expire.
        const claimed = await repository.claimDue(at, free, at + timeoutMs + 30_000);
        for (const delivery of claimed) {
          const done: Promise<void> = deliver(delivery)
            .catch((error: unknown) => logger.error({ err: error, delivery: delivery.id }, 'webhook delivery not recorded'))
            .finally(() => {
              inFlight.delete(done);
              void tick();
            });
          inFlight.add(done);
        }
        if (claimed.length === free) again = true;
      } while (again && !stopping.signal.aborted);
      if (now() - lastPrune > PRUNE_EVERY_MS) {
        lastPrune = now();
        await repository.prune(lastPrune - KEEP_MS);
      }
    } catch (error) {
      logger.warn({ err: error }, 'webhook dispatcher: the database did not answer; trying again later');
    } finally {
      claiming = false;
    }
  }

  const poll = setInterval(() => void tick(), pollMs);
  poll.unref();
  void tick();

  return {
    /** Something was enqueued in this process: look now rather than at the next poll. */
    nudge: () => void tick(),
    /** Stops polling and abandons attempts in flight (their leases expire; the next start resends them). */
    async close(): Promise<void> {
      clearInterval(poll);
      for (const timer of timers) clearTimeout(timer);
      stopping.abort();
      await Promise.allSettled([...inFlight]);
      await agent.destroy();
    },
  };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
