import type { ClickEvent } from './analytics.port.ts';

/** A row of click_events: the one shape the repository and both ingest files share. */
export interface EventRow {
  id: string;
  link_id: string;
  owner_id: string;
  code: string;
  at: number;
  referrer: string | null;
  user_agent: string | null;
  visitor: string | null;
  country: string | null;
  is_bot: number;
}

/** The columns of click_events with their PostgreSQL array types, in insert order. */
export const EVENT_COLUMN_TYPES = {
  id: 'text',
  link_id: 'text',
  owner_id: 'text',
  code: 'text',
  at: 'bigint',
  referrer: 'text',
  user_agent: 'text',
  visitor: 'text',
  country: 'text',
  is_bot: 'integer',
} as const satisfies Record<keyof EventRow, string>;

export const EVENT_COLUMNS = Object.keys(EVENT_COLUMN_TYPES) as (keyof EventRow)[];

/**
 * A row's values in EVENT_COLUMNS order, for SQLite's positional binding: written out because
 * named binding or a map per row made ingestion measurably slower. A unit test checks the order.
 */
export const eventValues = (r: EventRow) => [r.id, r.link_id, r.owner_id, r.code, r.at, r.referrer, r.user_agent, r.visitor, r.country, r.is_bot];

export function toEventRow(event: ClickEvent, isBot: boolean): EventRow {
  return {
    id: event.id,
    link_id: event.linkId,
    owner_id: event.ownerId,
    code: event.code,
    at: event.at,
    referrer: event.referrer ?? null,
    user_agent: event.userAgent ?? null,
    visitor: event.visitor ?? null,
    country: event.country ?? null,
    is_bot: isBot ? 1 : 0,
  };
}
