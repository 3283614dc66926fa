import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';

/** A thread's nice value: field 19 of /proc/self/task/<tid>/stat (after the parenthesised name, the 17th). */
const niceOf = (tid: number) => {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
};

// Per-thread priority is Linux's: elsewhere niceThisThread does nothing, by design.
describe('thread priority', { skip: process.platform !== 'linux' }, () => {
  it('when a worker thread nices itself, then that thread has the value and the main thread keeps its own', async () => {
    const mainBefore = niceOf(process.pid);
    const worker = new Worker(
      // An eval'd worker may run as a module (the runner's flags): imports only, no require.
      `Promise.all([import('tsx/esm/api'), import('node:worker_threads')]).then(([tsx, { parentPort }]) => {
        tsx.register();
        return import(${JSON.stringify(new URL('./thread-priority.ts', import.meta.url).href)}).then(({ niceThisThread }) => parentPort.postMessage(niceThisThread(7)));
      });`,
      { eval: true },
    );
    try {
      const tid = await new Promise<number>((resolve, reject) => worker.once('message', resolve).once('error', reject));
      assert.notEqual(tid, process.pid);
      assert.equal(niceOf(tid), 7);
      assert.equal(niceOf(process.pid), mainBefore);
    } finally {
      await worker.terminate();
    }
  });

  it('when asked for 0, then nothing changes and no thread is named', async () => {
    const { niceThisThread } = await import('./thread-priority.ts');
    assert.equal(niceThisThread(0), null);
  });
});
