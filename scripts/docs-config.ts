// Rewrites README.md's configuration table from src/common/config.table.ts.
// Usage: npm run docs:config (node --import tsx scripts/docs-config.ts)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withConfigTable } from '../src/common/config.docs.ts';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const before = readFileSync(readmePath, 'utf8');
// Keep the file's line endings (a Windows checkout may have CRLF).
const eol = before.includes('\r\n') ? '\r\n' : '\n';
const after = withConfigTable(before.replace(/\r\n/g, '\n')).replace(/\n/g, eol);
if (after === before) {
  console.log('README.md: configuration table already up to date');
} else {
  writeFileSync(readmePath, after);
  console.log('README.md: configuration table regenerated');
}
