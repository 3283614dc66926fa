import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickEvent } from './analytics.port.ts';

/**
 * A local append-only file of click batches that could not be delivered, one JSON line per batch,
 * fsynced before append() returns. Replay renames the file aside first, so appends during a
 * replay go to a fresh file and nothing is read and written at once.
 */
export function createSpool(dir: string) {
  mkdirSync(dir, { recursive: true });
  const live = join(dir, 'spool.ndjson');
  // A crash mid-append leaves a torn last line: end it, so the next batch starts a line of its own.
  const leftover = readFileSafe(live);
  if (leftover !== '' && !leftover.endsWith('\n')) appendLine(live, '');

  // Replay files are numbered, not timestamped: names never collide and sort oldest first.
  const replayFiles = () => readdirSync(dir).filter((f) => /^replay-\d{12}\.ndjson$/.test(f)).sort();
  const pending = () => replayFiles().map((f) => join(dir, f));
  const nextReplayFile = () => {
    const last = replayFiles().at(-1);
    const n = last ? Number(last.slice(7, 19)) + 1 : 1;
    return join(dir, `replay-${String(n).padStart(12, '0')}.ndjson`);
  };

  function rewrite(file: string, lines: string[]): void {
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, lines.map((l) => `${l}\n`).join(''));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, file);
  }

  return {
    append(events: readonly ClickEvent[]): void {
      appendLine(live, JSON.stringify(events));
    },

    isEmpty(): boolean {
      return pending().length === 0 && readFileSafe(live) === '';
    },

    /**
     * Hands each spooled batch, oldest first, to `deliver`; a delivered batch is removed, and the
     * first failure stops the replay (and is thrown) with the rest kept. Returns how many were delivered.
     */
    async replay(deliver: (events: ClickEvent[]) => Promise<void>): Promise<number> {
      if (readFileSafe(live) !== '') renameSync(live, nextReplayFile());
      let delivered = 0;
      for (const file of pending()) {
        // A torn last line (the process died mid-write) is skipped: its batch was never acknowledged.
        const lines = readFileSafe(file).split('\n').filter((l) => l.trim() !== '' && isJsonArray(l));
        for (let i = 0; i < lines.length; i++) {
          const events = JSON.parse(lines[i] as string) as ClickEvent[];
          try {
            await deliver(events);
          } catch (error) {
            rewrite(file, lines.slice(i));
            throw error;
          }
          delivered += events.length;
        }
        rmSync(file, { force: true });
      }
      return delivered;
    },
  };
}

/** Appends one line and fsyncs before returning: once this returns, the batch survives a crash. */
function appendLine(file: string, line: string): void {
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, `${line}\n`);
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

function isJsonArray(line: string): boolean {
  try {
    return Array.isArray(JSON.parse(line));
  } catch {
    return false;
  }
}

export type Spool = ReturnType<typeof createSpool>;
