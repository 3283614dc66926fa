import { randomBytes, randomUUID } from 'node:crypto';
import type { Static } from 'typebox';
import { AppError } from '../../common/errors.ts';
import type { Principal } from '../../common/principal.ts';
import { checkWebhookTarget, WebhookAddressError, type Resolve } from './analytics.webhooks.address.ts';
import './analytics.webhooks.errors.ts';
import type { WebhookRow, WebhooksRepository } from './analytics.webhooks.repository.ts';
import type { CreatedWebhookSchema, CreateWebhookBody, DeliverySchema, WebhookSchema } from './analytics.webhooks.schemas.ts';

export type Webhook = Static<typeof WebhookSchema>;
export type CreatedWebhook = Static<typeof CreatedWebhookSchema>;
export type Delivery = Static<typeof DeliverySchema>;

/** A user's webhooks: what the routes call. Another user's webhook is WEBHOOK_NOT_FOUND, like a missing one. */
export interface WebhooksPort {
  /** Checks the URL (INVALID_WEBHOOK_URL) and stores it; the reply carries the secret, this once. */
  register(owner: Principal, body: Static<typeof CreateWebhookBody>): Promise<CreatedWebhook>;
  list(owner: Principal): Promise<Webhook[]>;
  /** WEBHOOK_NOT_FOUND. Its pending deliveries go with it. */
  remove(owner: Principal, id: string): Promise<void>;
  /** The newest deliveries first, each with its attempts. WEBHOOK_NOT_FOUND. */
  deliveries(owner: Principal, id: string, limit: number): Promise<Delivery[]>;
}

export const MAX_WEBHOOKS_PER_USER = 25;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const toWebhook = (row: WebhookRow): Webhook => ({ id: row.id, url: row.url, events: ['clicks'], createdAt: iso(row.created_at)! });

/** http(s), with a host, and (unless allowed) no private address behind it. */
async function checkUrl(text: string, allowPrivate: boolean, resolve?: Resolve): Promise<string> {
  const refuse = (message: string) => new AppError('INVALID_WEBHOOK_URL', `url ${message}.`, [{ field: 'url', message }]);
  if (!URL.canParse(text)) throw refuse('must be an absolute http(s) URL');
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('must use http or https');
  if (url.hostname === '') throw refuse('must name a host');
  try {
    await checkWebhookTarget(url, { allowPrivate, resolve });
  } catch (error) {
    if (error instanceof WebhookAddressError) throw refuse(`is refused: ${error.message}`);
    throw error;
  }
  return url.href;
}

export function createWebhooks({ repository, allowPrivate, resolve, now = Date.now }: { repository: WebhooksRepository; allowPrivate: boolean; resolve?: Resolve; now?: () => number }): WebhooksPort {
  const owned = async (owner: Principal, id: string) => {
    const row = await repository.findWebhook(owner.id, id);
    if (!row) throw new AppError('WEBHOOK_NOT_FOUND', `No webhook ${id}.`);
    return row;
  };
  return {
    async register(owner, body) {
      const url = await checkUrl(body.url, allowPrivate, resolve);
      // Each webhook is a delivery per stored batch: a bound keeps one user from multiplying them.
      if ((await repository.listWebhooks(owner.id)).length >= MAX_WEBHOOKS_PER_USER) {
        throw new AppError('WEBHOOK_LIMIT', `A user has at most ${MAX_WEBHOOKS_PER_USER} webhooks; delete one first.`);
      }
      const row: WebhookRow = { id: randomUUID(), owner_id: owner.id, url, secret: body.secret ?? `whsec_${randomBytes(24).toString('base64url')}`, created_at: now() };
      await repository.addWebhook(row);
      return { ...toWebhook(row), secret: row.secret };
    },
    list: async (owner) => (await repository.listWebhooks(owner.id)).map(toWebhook),
    async remove(owner, id) {
      if (!(await repository.removeWebhook(owner.id, id))) throw new AppError('WEBHOOK_NOT_FOUND', `No webhook ${id}.`);
    },
    async deliveries(owner, id, limit) {
      await owned(owner, id);
      return (await repository.recentDeliveries(id, limit)).map(({ delivery: d, attempts }) => ({
        id: d.id,
        createdAt: iso(d.created_at)!,
        events: d.events,
        status: d.status,
        attempts: d.attempts,
        nextRetryAt: d.status === 'pending' ? iso(d.next_at) : null,
        lastStatusCode: d.last_status_code,
        lastError: d.last_error,
        log: attempts.map((a) => ({ attempt: a.attempt, at: iso(a.at)!, statusCode: a.status_code, error: a.error, durationMs: a.duration_ms })),
      }));
    },
  };
}
