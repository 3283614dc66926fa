import { randomUUID } from 'node:crypto';

/**
 * A UUIDv7-shaped id: 48 bits of milliseconds, then randomness. Ids made close in time sort
 * close together, so inserting them appends to a B-tree instead of scattering across it.
 */
export function timeOrderedId(now: number = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  // randomUUID() is 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'; keep its random tail after the version digit.
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}
