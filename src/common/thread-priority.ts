import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Gives the calling thread the nice value `nice` (0-19: higher yields the CPU sooner), on Linux,
 * where setpriority() on a thread's own id sets that thread's alone; /proc/thread-self names the
 * id. Elsewhere there is no such thing (the call would renice the whole process), so nothing
 * happens. Returns the thread id it applied to, or null when it did nothing. Raising a priority
 * needs privileges; lowering it never does.
 */
export function niceThisThread(nice: number): number | null {
  if (process.platform !== 'linux' || nice === 0) return null;
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  setPriority(tid, nice);
  return tid;
}
