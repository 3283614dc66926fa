import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { LoadResult } from './load.ts';
import { treeCpuSeconds, treeTicks, untilQuiet } from './process.ts';
import { summarise, type Sample } from './report.ts';

describe('bench: CPU per request', () => {
  it('when a target is a tree of processes, then its ticks are its own and its descendants\', not its neighbours\'', () => {
    const processes = new Map([
      [1, { ppid: 0, ticks: 1_000 }], // init: not in the tree
      [10, { ppid: 1, ticks: 5 }], // the supervisor
      [11, { ppid: 10, ticks: 70 }], // a service
      [12, { ppid: 11, ticks: 25 }], // its child
      [20, { ppid: 1, ticks: 400 }], // the load generator
    ]);
    assert.equal(treeTicks(processes, 10), 100);
    assert.equal(treeTicks(processes, 11), 95);
    assert.equal(treeTicks(processes, 99), null);
  });

  // /proc is Linux's: elsewhere the bench prints n/a for CPU.
  it('when a thread of the process burns CPU, then the process\'s reading grows by it (Linux)', { skip: process.platform !== 'linux' }, async () => {
    const before = await treeCpuSeconds(process.pid);
    const burner = new Worker('const end = Date.now() + 400; while (Date.now() < end);', { eval: true });
    await new Promise((resolve) => burner.once('exit', resolve));
    const after = await treeCpuSeconds(process.pid);
    assert.ok(before !== null && after !== null);
    assert.ok(after - before >= 0.3, `grew by ${(after - before).toFixed(2)} s`);
  });

  it('when every core is busy, then the wait for a quiet machine runs out and says so (Linux)', { skip: process.platform !== 'linux' }, async () => {
    const burners = availableParallelism();
    const workers = Array.from({ length: burners }, () => new Worker('const end = Date.now() + 1500; while (Date.now() < end);', { eval: true }));
    try {
      const settled = await untilQuiet(1_000);
      assert.equal(settled.quiet, false);
      assert.ok(settled.waitedMs >= 1_000, `waited ${settled.waitedMs} ms`);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  });

  it('when rounds measured CPU, then the row has their medians, and n/a where a round could not read it', () => {
    const load: LoadResult = { rps: 1_000, p50: 1, p99: 2, errors: 0, redirects: 10_000, cut: false };
    const sample = (server: number | null, cpuLoad: number | null): Sample => ({ name: 'monolith-sqlite', workload: 'hot', load, counted: 10_000, loopP99Ms: null, cpuUs: { server, load: cpuLoad } });
    const [row] = summarise([sample(30, 20), sample(40.123, 22), sample(null, 21)], new Set());
    assert.deepEqual([row!.serverCpuUs, row!.loadCpuUs], [35.06, 21]);
    const [unmeasured] = summarise([sample(null, null)], new Set());
    assert.deepEqual([unmeasured!.serverCpuUs, unmeasured!.loadCpuUs], [null, null]);
  });
});
