import type { Registry } from 'prom-client';
import { METRICS, counter } from '../../common/metrics.catalogue.ts';
import type { Logger } from '../../common/logger.ts';
import type { ClickEvent, ClickIngestion } from './analytics.port.ts';
import type { Spool } from './analytics.spool.ts';

export interface WriterSpoolDeps {
  spool: Spool;
  /** The database this writer stores into: its spool lines carry it and replay only into it. */
  databaseId: string;
  ingest: ClickIngestion['ingest'];
  registry: Registry;
  logger: Logger;
}

/**
 * Where the in-process writer puts clicks its database will not take (at shutdown, or after a long
 * outage, so memory stays bounded), and how it writes them back later: the redirector's spool format.
 */
export function createWriterSpool({ spool, databaseId, ingest, registry, logger }: WriterSpoolDeps) {
  const spooled = counter(registry, METRICS.clicksSpooled);
  const replayed = counter(registry, METRICS.clicksReplayed);
  const foreign = counter(registry, METRICS.clicksForeign);
  // Batches set aside by a process on another database come back when this one is theirs.
  spool.adopt(databaseId);
  let pending = !spool.isEmpty();
  let replaying = false;

  return {
    /** Writes the events to the spool (fsynced); throws if the disk refuses too. */
    spill(events: readonly ClickEvent[], reason: string): void {
      if (events.length === 0) return;
      spool.append(events, databaseId);
      spooled.inc(events.length);
      pending = true;
      logger.warn({ clicks: events.length }, reason);
    },

    /** Writes spooled clicks of this database back; a failure leaves the rest for the next call. */
    async replay(): Promise<void> {
      if (!pending || replaying) return;
      replaying = true;
      try {
        const result = await spool.replay(async (events) => {
          await ingest(events);
          replayed.inc(events.length);
        }, databaseId);
        if (result.foreign > 0) {
          foreign.inc(result.foreign);
          logger.warn({ clicks: result.foreign, databaseId }, 'spooled clicks belong to another database; kept aside, not written here');
        }
        pending = !spool.isEmpty();
        if (result.delivered > 0) logger.info({ clicks: result.delivered }, 'spooled clicks written to the database');
      } catch {
        // The database still refuses: the next tick tries again.
      } finally {
        replaying = false;
      }
    },
  };
}

export type WriterSpool = ReturnType<typeof createWriterSpool>;
