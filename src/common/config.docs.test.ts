import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseConfigTable, readmeTable, renderConfigTable, withConfigTable } from './config.docs.ts';
import { SETTINGS, type Setting } from './config.table.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/\r\n/g, '\n');

describe('the README configuration table', () => {
  it('when the README table is read, then it names every variable of the config table with its default, in order', () => {
    const documented = parseConfigTable(readmeTable(readme));
    const table = parseConfigTable(renderConfigTable());
    assert.deepEqual(documented, table, 'README.md and src/common/config.table.ts disagree: run npm run docs:config');
  });

  it('when the README table is compared with the generated one, then they are the same text', () => {
    assert.equal(readmeTable(readme), renderConfigTable(), 'README.md is out of date: run npm run docs:config');
  });

  it('when the table is rendered, then each variable has one row and a cell with | stays one cell', () => {
    const piped: Setting = { ...(SETTINGS[1] as Setting), env: 'X_PIPE', default: 'a|b', doc: 'one | two' };
    const rows = parseConfigTable(renderConfigTable([piped]));
    assert.deepEqual(rows, [{ variable: 'X_PIPE', default: '`a|b`' }]);
    assert.equal(new Set(SETTINGS.map((s) => s.env)).size, SETTINGS.length);
  });

  it('when a computed default has nothing to show, then rendering fails naming the variable', () => {
    const computed: Setting = { ...(SETTINGS[3] as Setting), shownDefault: undefined };
    assert.throws(() => renderConfigTable([computed]), /BASE_URL/);
  });

  it('when the README has no markers, then regenerating refuses instead of appending', () => {
    assert.throws(() => withConfigTable('# no table here\n'), /markers/);
    assert.equal(withConfigTable(readme), readme.replace(readmeTable(readme), renderConfigTable()));
  });
});
