// Whether the compiled build in dist/ is current: shared by bin/morphlink.js and the benchmark.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestSource(dir) {
  // The container image ships dist/ without src/: nothing there can be newer.
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** dist/main.js when it is newer than every source file under src/, else null. */
export function freshBuild(root) {
  const built = join(root, 'dist', 'main.js');
  return existsSync(built) && statSync(built).mtimeMs >= newestSource(join(root, 'src')) ? built : null;
}
