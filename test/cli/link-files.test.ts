import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { DIALECTS } from '../support/test-support.ts';
import { createScratch, type Scratch } from '../contract/database.ts';
import { freePort } from '../contract/harness.ts';
import { assertOneLine, cliEnv, morphlink } from './run.ts';

interface Exported {
  url: string;
  code: string;
  title: string | null;
  tags: string[];
  expiresAt: string | null;
  maxClicks: number | null;
  redirectType: number;
  shortUrl: string;
  createdAt: string;
}

interface ImportSummary {
  created: number;
  failed: number;
  failures: { at: string; status: number; code: string; detail: string }[];
  stopped: string | null;
}

for (const dialect of DIALECTS) {
  describe(`import and export of links, on ${dialect}`, () => {
    let scratch: Scratch;
    let env: NodeJS.ProcessEnv;
    const file = (name: string, text: string) => {
      const path = join(scratch.dir, name);
      writeFileSync(path, text);
      return path;
    };
    const exported = async (user: string): Promise<Exported[]> => {
      const run = await morphlink(['export', 'links', '--user', user, '--format', 'json'], env);
      assert.equal(run.code, 0, run.stderr);
      return JSON.parse(run.stdout) as Exported[];
    };
    const importJson = async (path: string, user: string) => {
      const run = await morphlink(['import', path, '--user', user, '--json'], env);
      return { code: run.code, summary: JSON.parse(run.stdout) as ImportSummary, stderr: run.stderr };
    };

    before(async () => {
      scratch = await createScratch(dialect);
      env = cliEnv(scratch.databaseUrl, { PORT: String(await freePort()), BLOCKED_DOMAINS: 'blocked.example' });
      for (const user of ['ann', 'ben', 'cat', 'dan']) assert.equal((await morphlink(['user', 'create', user], env)).code, 0);
    });
    after(async () => scratch?.remove());

    test('when a CSV has good and bad rows, then the good ones are created and the summary names each bad line and why, exit 1', async () => {
      const path = file('mixed.csv', [
        'URL,code,title,tags,expiresAt,maxClicks,ignored column',
        'https://example.com/a,csv-a,"A, quoted",one|two,2999-01-01T00:00:00Z,5,x',
        'ftp://files.example/x,,,,,,',
        'https://www.blocked.example/,,,,,,',
        'https://example.com/b,csv-a,,,,,',
        'https://example.com/c,,,,,many,',
        'https://example.com/d,,,,2000-01-01,,',
        '',
        'https://example.com/e,,"It\'s ""quoted""",,,,',
      ].join('\n'));
      const { code, summary } = await importJson(path, 'ann');
      assert.equal(code, 1);
      assert.equal(summary.created, 2);
      assert.deepEqual(summary.failures.map((f) => [f.at, f.code]), [
        ['line 3', 'INVALID_URL'],
        ['line 4', 'BLOCKED_DOMAIN'],
        ['line 5', 'CODE_TAKEN'],
        ['line 6', 'VALIDATION'],
        ['line 7', 'VALIDATION'],
      ]);
      assert.match(summary.failures[3]?.detail ?? '', /maxClicks/);
      const links = await exported('ann');
      const a = links.find((l) => l.code === 'csv-a');
      assert.deepEqual(
        { url: a?.url, title: a?.title, tags: a?.tags, maxClicks: a?.maxClicks, expiresAt: a?.expiresAt },
        { url: 'https://example.com/a', title: 'A, quoted', tags: ['one', 'two'], maxClicks: 5, expiresAt: '2999-01-01T00:00:00.000Z' },
      );
      assert.equal(links.find((l) => l.url === 'https://example.com/e')?.title, 'It\'s "quoted"');
      assert.equal(links.length, 2);
    });

    test('when the summary is printed as text, then it says how many of how many and lists each failure', async () => {
      const run = await morphlink(['import', file('text.csv', 'url\nhttps://example.com/t\nnot a url\n'), '--user', 'dan'], env);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stdout, /^Imported 1 of 2 links for dan from .*text\.csv; 1 failed:\n {2}line 3: INVALID_URL \(400\) url: /);
    });

    test('when links are exported as JSON and CSV, then importing either file gives another user the same links', async () => {
      const json = await morphlink(['export', 'links', '--user', 'ann', '--format', 'json'], env);
      const csv = await morphlink(['export', 'links', '--user', 'ann'], env);
      assert.equal(csv.code, 0, csv.stderr);
      const rows = parse(csv.stdout, { columns: true }) as Record<string, string>[];
      assert.deepEqual(Object.keys(rows[0] ?? {}), ['url', 'code', 'title', 'tags', 'expiresAt', 'maxClicks', 'redirectType', 'shortUrl', 'createdAt']);
      assert.equal(rows.find((r) => r.code === 'csv-a')?.tags, 'one|two');

      // Codes are unique across users: the copies get new ones, everything else is kept.
      const withoutCodes = (text: string) => (JSON.parse(text) as Exported[]).map(({ code: _code, ...rest }) => rest);
      const fromJson = await importJson(file('ann.json', JSON.stringify(withoutCodes(json.stdout))), 'ben');
      assert.equal(fromJson.code, 0, JSON.stringify(fromJson.summary));
      assert.equal(fromJson.summary.created, 2);
      const strip = (l: Exported) => ({ url: l.url, title: l.title, tags: l.tags, expiresAt: l.expiresAt, maxClicks: l.maxClicks, redirectType: l.redirectType });
      const byUrl = (a: { url: string }, b: { url: string }) => a.url.localeCompare(b.url);
      assert.deepEqual((await exported('ben')).map(strip).sort(byUrl), (await exported('ann')).map(strip).sort(byUrl));

      const csvWithoutCodes = csv.stdout.replace(/^([^,\n]*),csv-a,/m, '$1,,').replace(/^(https:\/\/example\.com\/e),[^,]*,/m, '$1,,');
      const fromCsv = await importJson(file('ann.csv', csvWithoutCodes), 'cat');
      assert.equal(fromCsv.summary.created, 2, JSON.stringify(fromCsv.summary));
      assert.deepEqual((await exported('cat')).map(strip).sort(byUrl), (await exported('ann')).map(strip).sort(byUrl));
    });

    test('when 2,500 rows are imported, then all are created in batches and the export lists every one', async () => {
      const rows = Array.from({ length: 2_500 }, (_, i) => `https://example.com/many/${i},,row ${i},bulk`);
      const { code, summary } = await importJson(file('many.csv', `url,code,title,tags\n${rows.join('\n')}\n`), 'dan');
      assert.equal(code, 0, JSON.stringify(summary).slice(0, 500));
      assert.equal(summary.created, 2_500);
      assert.equal((await exported('dan')).filter((l) => l.tags.includes('bulk')).length, 2_500);
    });

    test('when a JSON file breaks halfway, then the rows before the break are imported and the summary says where it stopped', async () => {
      const { code, summary } = await importJson(file('cut.json', '[{"url":"https://example.com/cut-1"},{"url":"https://example.com/cut-2"},{"url":'), 'cat');
      assert.equal(code, 1);
      assert.equal(summary.created, 2);
      assert.match(summary.stopped ?? '', /reading stopped after 2 rows/);
    });

    test('when a title starts like a spreadsheet formula, then the CSV export writes it as text', async () => {
      await importJson(file('formula.json', JSON.stringify([{ url: 'https://example.com/formula', title: '=HYPERLINK("https://evil.example")' }])), 'cat');
      const csv = await morphlink(['export', 'links', '--user', 'cat'], env);
      assert.match(csv.stdout, /,"'=HYPERLINK\(""https:\/\/evil\.example""\)",/);
    });

    test('when the user, the file or --user is wrong, then one line says so and nothing is created', async () => {
      const good = file('one.csv', 'url\nhttps://example.com/one\n');
      const cases: [string[], number, RegExp][] = [
        [['import', good, '--user', 'nobody'], 1, /No user named nobody/],
        [['import', good], 2, /--user <name> is required/],
        [['import', join(scratch.dir, 'missing.csv'), '--user', 'ann'], 1, /cannot read/],
        [['import', file('links.txt', 'x'), '--user', 'ann'], 2, /neither \.csv nor \.json/],
        [['export', 'links', '--user', 'ann', '--format', 'xml'], 2, /--format must be one of csv, json/],
        [['export', 'links', '--user', 'nobody'], 1, /No user named nobody/],
      ];
      for (const [args, exit, message] of cases) {
        const run = await morphlink(args, env);
        assert.equal(run.code, exit, `${args.join(' ')}: ${run.stderr}`);
        assert.ok(assertOneLine(run.stderr), run.stderr);
        assert.match(run.stderr, message);
      }
      assert.equal((await exported('ann')).length, 2);
    });
  });
}
