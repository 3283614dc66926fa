import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../contract/harness.ts';
import { freshBuild } from '../../bin/build-state.js';

interface Stage {
  from: string;
  name: string | null;
  instructions: { keyword: string; args: string }[];
}

/** The Dockerfile's stages and their instructions, with `\` continuations joined. */
function stages(text: string): Stage[] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const result: Stage[] = [];
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const [from = '', , name] = rest;
      result.push({ from, name: name ?? null, instructions: [] });
    } else {
      result.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return result;
}

const dockerfile = stages(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const build = dockerfile.find((s) => s.name === 'build');
const runtime = dockerfile.at(-1) as Stage;
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

describe('the Dockerfile', () => {
  it('when its stages are read, then both are the official Node 20 slim image, and the last one is the runtime', () => {
    assert.ok(build, 'a stage named build');
    for (const stage of dockerfile) assert.match(stage.from, /^node:20(\.\d+)*-[a-z]+-slim$|^node:20-slim$/, stage.from);
    assert.notEqual(runtime, build);
  });

  it('when the image is built, then it takes the steps .ci/run proves: npm ci, whose prepare is npm run build', () => {
    const run = all(build as Stage, 'RUN').join(' && ');
    assert.match(run, /\bnpm ci\b/);
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.equal(scripts.prepare, 'npm run build', 'npm ci builds through prepare');
    assert.match(readFileSync(join(ROOT, '.ci', 'run'), 'utf8'), /^npm ci\b/m);
  });

  it('when it runs, then it has production dependencies only, no sources and no toolchain', () => {
    assert.match(all(build as Stage, 'RUN').join(' '), /npm prune --omit=dev/);
    assert.deepEqual(all(runtime, 'RUN').filter((r) => /\bnpm\b|apt-get/.test(r)), [], 'nothing installed in the runtime stage');
    const copies = all(runtime, 'COPY');
    assert.ok(copies.every((c) => c.startsWith('--from=build ')), 'the runtime copies only from the build stage');
    const copied = copies.flatMap((c) => c.split(/\s+/).slice(1, -1));
    assert.ok(copied.includes('/app/node_modules') && copied.includes('/app/dist'), copied.join(' '));
    for (const path of copied) assert.doesNotMatch(path, /\/(src|test|web|bench)$/, `${path} is source, not a build`);
  });

  it('when it runs, then not as root, with a HEALTHCHECK on /health, data in a /data volume, morphlink as the entry point', () => {
    const user = all(runtime, 'USER').at(-1);
    assert.ok(user && !/^(root|0)(:|$)/.test(user), `USER ${user}`);
    assert.match(all(runtime, 'HEALTHCHECK').join(' '), /CMD \["node", "bin\/healthcheck\.js"\]/);
    assert.match(readFileSync(join(ROOT, 'bin', 'healthcheck.js'), 'utf8'), /\/health/);
    assert.match(all(runtime, 'VOLUME').join(' '), /\/data/);
    assert.match(all(runtime, 'ENV').join(' '), /DATA_DIR=\/data/);
    assert.equal(all(runtime, 'ENTRYPOINT').at(-1), '["node", "bin/morphlink.js"]');
    assert.equal(all(runtime, 'CMD').at(-1), '["start"]');
  });

  it('when the build context is sent, then .dockerignore keeps out installed files, data, secrets and the history', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split(/\r?\n/).map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', 'data', '.env', '.git']) assert.ok(ignored.includes(entry), entry);
  });

  it('when the image has dist/ but no src/, then bin/morphlink.js runs the build (not tsx, which the image does not have)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'morphlink-image-'));
    try {
      mkdirSync(join(dir, 'dist'));
      writeFileSync(join(dir, 'dist', 'main.js'), '');
      assert.equal(existsSync(join(dir, 'src')), false);
      assert.equal(freshBuild(dir), join(dir, 'dist', 'main.js'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
