import { classifyAgent, referrerHost } from './analytics.enrich.ts';
import type { ExportRange, ExportRepository, RawKey, StoredClick } from './analytics.export.repository.ts';
import type { LinkRef } from './analytics.port.ts';

/** One click as the export writes it: the same values as the stats breakdowns, and never an IP. */
export interface ExportedClick {
  time: string;
  country: string;
  referrer: string;
  browser: string;
  os: string;
  device: string;
  bot: boolean;
  /** The stored visitor hash (keyed by a secret, rotated daily); null when none was recorded. */
  visitor: string | null;
}

/** Reading a link's clicks one by one, for the CSV and NDJSON exports and `morphlink export clicks`. */
export interface ClickExport {
  /**
   * The clicks of a link the caller has already checked belongs to the principal, in pages (never
   * all in memory), within an inclusive range of epoch milliseconds (default: from the first
   * click until the export started). Older clicks (stored before migration 003) come first.
   */
  pages(link: LinkRef, range: Partial<ExportRange>): AsyncGenerator<ExportedClick[]>;
}

export interface ClickExportDeps {
  repository: ExportRepository;
  pageSize?: number;
  /** How many batch ids one statement may cover at most (see rawPage). */
  batchWindow?: number;
  now?: () => number;
}

// Below every stored seq (-1 is an id kept whole): the start of a batch.
const BATCH_START = -2;

function present(click: StoredClick): ExportedClick {
  const agent = classifyAgent(click.userAgent);
  return {
    time: new Date(click.at).toISOString(),
    country: click.country?.toUpperCase() || 'unknown',
    referrer: referrerHost(click.referrer),
    browser: agent.browser,
    os: agent.os,
    device: agent.device,
    bot: click.isBot,
    visitor: click.visitor,
  };
}

export function createClickExport({ repository, pageSize = 1_000, batchWindow = 2_000, now = Date.now }: ClickExportDeps): ClickExport {
  async function* legacyPages(linkId: string, range: ExportRange): AsyncGenerator<ExportedClick[]> {
    if (!(await repository.hasLegacy())) return;
    let after: string | null = null;
    for (;;) {
      const { clicks, last } = await repository.legacyPage(linkId, range, after, pageSize);
      if (clicks.length > 0) yield clicks.map(present);
      if (clicks.length < pageSize) return;
      after = last;
    }
  }

  async function* rawPages(linkId: string, range: ExportRange): AsyncGenerator<ExportedClick[]> {
    const [link, lastBatch] = await Promise.all([repository.linkKey(linkId), repository.lastBatch()]);
    if (link === undefined || lastBatch === null) return;
    let after: RawKey = { batch: 0, seq: BATCH_START };
    while (after.batch <= lastBatch) {
      const below = Math.min(after.batch + batchWindow, lastBatch + 1);
      const { clicks, last } = await repository.rawPage(link, range, after, below, pageSize);
      if (clicks.length > 0) yield clicks.map(present);
      // A full page may stop inside the window: go on after its last row; else the window is done.
      after = clicks.length === pageSize && last ? last : { batch: below, seq: BATCH_START };
    }
  }

  return {
    async *pages(link, { from = 0, to = now() }) {
      const range = { from, to };
      yield* legacyPages(link.id, range);
      yield* rawPages(link.id, range);
    },
  };
}
