import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickEvent } from './analytics.port.ts';

/** One spooled batch: the analytics database it was meant for (null: not known when spooled) and its events. */
interface SpoolLine {
  database: string | null;
  events: ClickEvent[];
}

/** Events per spool line when a large buffer is spooled at once: a replayed line is one transaction. */
const LINE_MAX = 500;

/**
 * A local append-only file of click batches that could not be delivered, one JSON line per batch,
 * fsynced before append() returns. Each line names the database it belongs to; replay hands a
 * line only to that database and sets the others aside in `foreign-<id>.ndjson`, until a process
 * on that database adopts them. Replay renames the file aside first, so appends during a replay
 * go to a fresh file and nothing is read and written at once. Refused batches go to quarantine.ndjson.
 */
export function createSpool(dir: string) {
  mkdirSync(dir, { recursive: true });
  const live = join(dir, 'spool.ndjson');
  // A crash mid-append leaves a torn last line: end it, so the next batch starts a line of its own.
  const leftover = readFileSafe(live);
  if (leftover !== '' && !leftover.endsWith('\n')) appendLines(live, ['']);

  // Replay files are numbered, not timestamped: names never collide and sort oldest first.
  const replayFiles = () => readdirSync(dir).filter((f) => /^replay-\d{12}\.ndjson$/.test(f)).sort();
  const pending = () => replayFiles().map((f) => join(dir, f));
  const nextReplayFile = () => {
    const last = replayFiles().at(-1);
    const n = last ? Number(last.slice(7, 19)) + 1 : 1;
    return join(dir, `replay-${String(n).padStart(12, '0')}.ndjson`);
  };
  const foreignFile = (database: string) => join(dir, `foreign-${database.replace(/[^A-Za-z0-9_-]/g, '_')}.ndjson`);

  function rewrite(file: string, lines: string[]): void {
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, lines.map((l) => `${l}\n`).join(''));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, file);
  }

  return {
    /** Spools `events` for `database`, in lines of at most LINE_MAX events, with one fsync. */
    append(events: readonly ClickEvent[], database: string | null = null): void {
      const lines: string[] = [];
      for (let i = 0; i < events.length; i += LINE_MAX) {
        lines.push(JSON.stringify({ database, events: events.slice(i, i + LINE_MAX) } satisfies SpoolLine));
      }
      if (lines.length > 0) appendLines(live, lines);
    },

    /** Keeps a batch analytics refused as invalid, out of the replay path, for an operator to read. */
    quarantine(events: readonly ClickEvent[], reason: string): void {
      appendLines(join(dir, 'quarantine.ndjson'), [JSON.stringify({ at: new Date().toISOString(), reason, events })]);
    },

    /** Batches set aside for `database` become replayable again; true if there were any. */
    adopt(database: string): boolean {
      const file = foreignFile(database);
      if (!existsSync(file)) return false;
      renameSync(file, nextReplayFile());
      return true;
    },

    isEmpty(): boolean {
      return pending().length === 0 && readFileSafe(live) === '';
    },

    /**
     * Hands each spooled batch of `database` (or of no known database), oldest first, to `deliver`;
     * a delivered batch is removed, and the first failure stops the replay (and is thrown) with the
     * rest kept. Batches of another database are moved to its foreign file. Returns the event counts.
     */
    async replay(deliver: (events: ClickEvent[]) => Promise<void>, database: string | null = null): Promise<{ delivered: number; foreign: number }> {
      if (readFileSafe(live) !== '') renameSync(live, nextReplayFile());
      let delivered = 0;
      let foreign = 0;
      for (const file of pending()) {
        // A torn last line (the process died mid-write) is skipped: its batch was never acknowledged.
        const lines = readFileSafe(file).split('\n').filter((l) => l.trim() !== '' && parseLine(l) !== null);
        for (let i = 0; i < lines.length; i++) {
          const line = parseLine(lines[i] as string) as SpoolLine;
          if (database !== null && line.database !== null && line.database !== database) {
            appendLines(foreignFile(line.database), [lines[i] as string]);
            foreign += line.events.length;
            continue;
          }
          try {
            await deliver(line.events);
          } catch (error) {
            rewrite(file, lines.slice(i));
            throw error;
          }
          delivered += line.events.length;
        }
        rmSync(file, { force: true });
      }
      return { delivered, foreign };
    },
  };
}

/** Appends lines and fsyncs before returning: once this returns, the batches survive a crash. */
function appendLines(file: string, lines: string[]): void {
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, lines.map((l) => `${l}\n`).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** A spool line, or null for a torn one. Lines of earlier versions are bare arrays, of no known database. */
function parseLine(line: string): SpoolLine | null {
  try {
    const parsed = JSON.parse(line) as unknown;
    if (Array.isArray(parsed)) return { database: null, events: parsed as ClickEvent[] };
    const candidate = parsed as Partial<SpoolLine> | null;
    return candidate && Array.isArray(candidate.events) ? { database: candidate.database ?? null, events: candidate.events } : null;
  } catch {
    return null;
  }
}

export type Spool = ReturnType<typeof createSpool>;
