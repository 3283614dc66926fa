import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from '../contract/harness.ts';

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

describe('what a clone of the repository carries', () => {
  test('when package.json names a license, then the LICENSE file is there and is that license', () => {
    const { license } = JSON.parse(read('package.json')) as { license: string };
    assert.equal(license, 'MIT');
    assert.ok(existsSync(join(ROOT, 'LICENSE')), 'LICENSE is missing');
    const text = read('LICENSE');
    assert.match(text, /^MIT License/);
    assert.match(text, /Copyright \(c\) \d{4} MorphLink contributors/);
  });

  test('when the README shows PowerShell, then it is PowerShell: no \\ continuations, no single-quoted JSON, only variables it sets', () => {
    const blocks = [...read('README.md').matchAll(/```powershell\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    assert.ok(blocks.length > 0, 'the walkthrough has a PowerShell block');
    for (const block of blocks) {
      const code = block.split('\n').map((line) => line.replace(/\s+#.*$/, ''));
      assert.ok(!code.some((line) => /\s\\$/.test(line)), 'a line ends in a bash continuation');
      assert.ok(!code.some((line) => /'\{/.test(line)), 'single-quoted JSON');
      const assigned = new Set(code.flatMap((line) => [...line.matchAll(/^\s*\$(\w+)\s*=/g)].map((m) => m[1])));
      const used = code.flatMap((line) => [...line.matchAll(/\$(\w+)/g)].map((m) => m[1]));
      for (const name of used) assert.ok(assigned.has(name) || name === 'env', `$${String(name)} is used but never set in the block`);
    }
  });
});
