// Cross-platform test runner: node 20's --test takes no globs, so we list the files here.
// Usage: node scripts/test.mjs [unit|db|contract|fleet|browser|all] [file-filter...]
// (default all; all runs the tiers in that order; filters keep only files whose path contains one)
//
// The tier of a test file follows from its name and folder:
//   browser   test/browser/**                        the dashboard in headless Chromium, against a monolith and a fleet
//   fleet     test/fleet/** and test/cli/**          child processes (a fleet, the CLI)
//   contract  test/contract/**                       the black-box suite against a monolith and a fleet
//   db        any other *.db.test.ts                 a real SQLite file or PostgreSQL database
//   unit      every other *.test.ts (src/, test/, web/, bench/) no database, no Redis, no child process; seconds
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const TIERS = ['unit', 'db', 'contract', 'fleet', 'browser'];
const [which = 'all', ...filters] = process.argv.slice(2);
if (which !== 'all' && !TIERS.includes(which)) {
  console.error(`usage: node scripts/test.mjs [${TIERS.join('|')}|all]`);
  process.exit(2);
}

function find(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path).split(sep).join('/'));
  }
  return out;
}

export function tierOf(file) {
  if (file.startsWith('test/browser/')) return 'browser';
  if (file.startsWith('test/fleet/') || file.startsWith('test/cli/')) return 'fleet';
  if (file.startsWith('test/contract/')) return 'contract';
  if (file.endsWith('.db.test.ts')) return 'db';
  return 'unit';
}

// db, contract, fleet and browser: a process per file, one at a time (they share ports, PostgreSQL and a small machine).
const oneFileAtATime = (files) => ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files];

// unit: every file imported into one process. Loading tsx once instead of once per file is what
// makes the tier take seconds (node 20 has no --experimental-test-isolation=none); a failing
// test still sets the exit code.
const inOneProcess = (files) => [
  '--import', 'tsx', '--test-reporter=spec', '--input-type=module',
  '-e', files.map((file) => `await import(${JSON.stringify(pathToFileURL(join(root, file)).href)});`).join('\n'),
];

const all = [...find(join(root, 'src')), ...find(join(root, 'test')), ...find(join(root, 'web')), ...find(join(root, 'bench'))]
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
for (const tier of which === 'all' ? TIERS : [which]) {
  const files = all.filter((file) => tierOf(file) === tier);
  if (files.length === 0) continue;
  const started = Date.now();
  const result = spawnSync(process.execPath, tier === 'unit' ? inOneProcess(files) : oneFileAtATime(files), { cwd: root, stdio: 'inherit' });
  console.log(`tier ${tier}: ${files.length} files, ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${result.status}`);
  if (result.status !== 0) process.exit(result.status ?? 1);
}
