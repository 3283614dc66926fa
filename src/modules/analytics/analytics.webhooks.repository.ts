import type { Kysely } from 'kysely';
import { withRetry, type Database } from '../../common/db.ts';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookRow { id: string; owner_id: string; url: string; secret: string; created_at: number }
export interface DeliveryRow {
  id: string;
  webhook_id: string;
  created_at: number;
  events: number;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  next_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
}
export interface AttemptRow { delivery_id: string; attempt: number; at: number; status_code: number | null; error: string | null; duration_ms: number }

type WebhookTables = { webhooks: WebhookRow; webhook_deliveries: DeliveryRow; webhook_attempts: AttemptRow };

/** A delivery taken for sending, with what sending needs. */
export type ClaimedDelivery = Pick<DeliveryRow, 'id' | 'webhook_id' | 'body' | 'attempts'> & { url: string; secret: string };

/** The only code that touches the webhook tables. */
export function createWebhooksRepository(database: Database) {
  const db: Kysely<WebhookTables> = database.db.withTables<WebhookTables>();
  const num = <T extends Record<string, unknown>>(row: T, ...keys: (keyof T)[]): T => {
    // PostgreSQL returns bigint columns as strings.
    for (const key of keys) if (row[key] !== null) (row as Record<keyof T, unknown>)[key] = Number(row[key]);
    return row;
  };

  return {
    async addWebhook(row: WebhookRow): Promise<void> {
      await withRetry(() => db.insertInto('webhooks').values(row).execute());
    },

    listWebhooks: async (ownerId: string): Promise<WebhookRow[]> =>
      (await db.selectFrom('webhooks').selectAll().where('owner_id', '=', ownerId).orderBy('created_at').orderBy('id').execute()).map((r) => num(r, 'created_at')),

    async findWebhook(ownerId: string, id: string): Promise<WebhookRow | undefined> {
      const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).where('owner_id', '=', ownerId).executeTakeFirst();
      return row && num(row, 'created_at');
    },

    /** The webhooks of these owners: what the ingest path asks once per batch. */
    hooksOf: async (ownerIds: readonly string[]): Promise<Pick<WebhookRow, 'id' | 'owner_id'>[]> =>
      ownerIds.length === 0 ? [] : db.selectFrom('webhooks').select(['id', 'owner_id']).where('owner_id', 'in', ownerIds).execute(),

    /** Deletes the webhook with its deliveries and their attempts; false when the owner has no such webhook. */
    removeWebhook: (ownerId: string, id: string): Promise<boolean> =>
      withRetry(() =>
        db.transaction().execute(async (trx) => {
          const { numDeletedRows } = await trx.deleteFrom('webhooks').where('id', '=', id).where('owner_id', '=', ownerId).executeTakeFirst();
          if (numDeletedRows === 0n) return false;
          const deliveries = trx.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', id);
          await trx.deleteFrom('webhook_attempts').where('delivery_id', 'in', deliveries).execute();
          await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
          return true;
        }),
      ),

    async enqueue(rows: readonly DeliveryRow[]): Promise<void> {
      if (rows.length > 0) await withRetry(() => db.insertInto('webhook_deliveries').values([...rows]).execute());
    },

    async recentDeliveries(webhookId: string, limit: number): Promise<{ delivery: DeliveryRow; attempts: AttemptRow[] }[]> {
      const deliveries = (
        await db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()
      ).map((d) => num(d, 'created_at', 'next_at'));
      if (deliveries.length === 0) return [];
      const attempts = (
        await db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', deliveries.map((d) => d.id)).orderBy('attempt').execute()
      ).map((a) => num(a, 'at'));
      return deliveries.map((delivery) => ({ delivery, attempts: attempts.filter((a) => a.delivery_id === delivery.id) }));
    },

    /**
     * Takes up to `limit` due deliveries: each is leased until `leaseUntil` (so a crash leaves it
     * due again) and its attempt counted. A conditional update, so two processes never take one.
     */
    async claimDue(now: number, limit: number, leaseUntil: number): Promise<ClaimedDelivery[]> {
      const due = await db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
        .select(['d.id', 'd.webhook_id', 'd.body', 'd.attempts', 'd.next_at', 'w.url', 'w.secret'])
        .where('d.status', '=', 'pending')
        .where('d.next_at', '<=', now)
        .orderBy('d.next_at')
        .limit(limit)
        .execute();
      const claimed: ClaimedDelivery[] = [];
      for (const { next_at, ...row } of due) {
        const { numUpdatedRows } = await withRetry(() =>
          db
            .updateTable('webhook_deliveries')
            .set({ next_at: leaseUntil, attempts: row.attempts + 1 })
            .where('id', '=', row.id)
            .where('status', '=', 'pending')
            .where('next_at', '=', next_at)
            .executeTakeFirst(),
        );
        if (numUpdatedRows > 0n) claimed.push({ ...row, attempts: row.attempts + 1 });
      }
      return claimed;
    },

    /** The earliest time a pending delivery is due, if any. */
    async nextDue(): Promise<number | null> {
      const row = await db.selectFrom('webhook_deliveries').select((eb) => eb.fn.min('next_at').as('next')).where('status', '=', 'pending').executeTakeFirst();
      return row?.next == null ? null : Number(row.next);
    },

    /** One attempt's outcome: the delivery's new state, then its line in the log (none if the webhook went meanwhile). */
    async finishAttempt(attempt: AttemptRow, next: Pick<DeliveryRow, 'status' | 'next_at'>): Promise<void> {
      await withRetry(() =>
        db.transaction().execute(async (trx) => {
          const { numUpdatedRows } = await trx
            .updateTable('webhook_deliveries')
            .set({ ...next, last_status_code: attempt.status_code, last_error: attempt.error })
            .where('id', '=', attempt.delivery_id)
            .where('attempts', '=', attempt.attempt)
            .executeTakeFirst();
          if (numUpdatedRows > 0n) await trx.insertInto('webhook_attempts').values(attempt).execute();
        }),
      );
    },

    /** Drops finished deliveries (and their attempts) made before `before`. */
    async prune(before: number): Promise<void> {
      await withRetry(() =>
        db.transaction().execute(async (trx) => {
          const old = trx.selectFrom('webhook_deliveries').select('id').where('status', '<>', 'pending').where('created_at', '<', before);
          await trx.deleteFrom('webhook_attempts').where('delivery_id', 'in', old).execute();
          await trx.deleteFrom('webhook_deliveries').where('status', '<>', 'pending').where('created_at', '<', before).execute();
        }),
      );
    },
  };
}

export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>;
