import { randomUUID } from 'node:crypto';
import type { Database } from '../../common/db.ts';
import type { Logger } from '../../common/logger.ts';
import { classifyAgent } from './analytics.enrich.ts';
import type { ClickEvent } from './analytics.port.ts';
import type { OnStored } from './analytics.service.ts';
import { createWebhooksRepository, type DeliveryRow, type WebhooksRepository } from './analytics.webhooks.repository.ts';

// Kept apart from the routes and the dispatcher: the click writer's thread loads this file only.

/** Clicks per delivery at most: a large batch becomes several bodies of a sane size. */
const CLICKS_PER_DELIVERY = 500;

/** One click as a webhook receives it. */
const clickOf = (e: ClickEvent) => ({
  id: e.id,
  linkId: e.linkId,
  code: e.code,
  at: new Date(e.at).toISOString(),
  referrer: e.referrer ?? null,
  userAgent: e.userAgent ?? null,
  country: e.country ?? null,
  isBot: classifyAgent(e.userAgent).isBot,
  visitor: e.visitor ?? null,
});

/**
 * The ingest path's side: after a batch is stored, one pending delivery per webhook of each owner
 * whose links were clicked, with its body fixed now. One indexed read per batch when nobody has a
 * webhook; the sending happens elsewhere (the dispatcher), never here. Returns how many it queued.
 */
export function createWebhookOutbox(repository: WebhooksRepository, now: () => number = Date.now) {
  return async function enqueue(stored: readonly ClickEvent[]): Promise<number> {
    if (stored.length === 0) return 0;
    // Node 20 has no Map.groupBy.
    const byOwner = new Map<string, ClickEvent[]>();
    for (const e of stored) {
      const list = byOwner.get(e.ownerId);
      if (list) list.push(e);
      else byOwner.set(e.ownerId, [e]);
    }
    const hooks = await repository.hooksOf([...byOwner.keys()]);
    if (hooks.length === 0) return 0;
    const createdAt = now();
    const rows: DeliveryRow[] = [];
    for (const hook of hooks) {
      const clicks = byOwner.get(hook.owner_id) ?? [];
      for (let i = 0; i < clicks.length; i += CLICKS_PER_DELIVERY) {
        const chunk = clicks.slice(i, i + CLICKS_PER_DELIVERY);
        const id = randomUUID();
        const body = JSON.stringify({ id, event: 'clicks', webhookId: hook.id, createdAt: new Date(createdAt).toISOString(), data: chunk.map(clickOf) });
        rows.push({ id, webhook_id: hook.id, created_at: createdAt, events: chunk.length, body, status: 'pending', attempts: 0, next_at: createdAt, last_status_code: null, last_error: null });
      }
    }
    await repository.enqueue(rows);
    return rows.length;
  };
}

/**
 * What ingestion does after a commit: queue the batch's webhook deliveries. A failure here is
 * logged, never thrown: the clicks are stored, and a retried batch would be all duplicates.
 */
export function queueWebhookDeliveries(database: Database, logger: Logger, nudge?: () => void): OnStored {
  const enqueue = createWebhookOutbox(createWebhooksRepository(database));
  return async (stored) => {
    try {
      if ((await enqueue(stored)) > 0) nudge?.();
    } catch (error) {
      logger.warn({ err: error }, 'the webhook deliveries of a stored batch were not queued');
    }
  };
}
