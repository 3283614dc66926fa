import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { assertProblem, assertStatus, ISO_UTC } from './expect.ts';
import { assertSettledTotal, createLink } from './fixtures.ts';
import { GOOGLEBOT_UA, visit, type Client, type Reply } from './http.ts';
import type { Suite } from './suite.ts';

/** One exported click, as both formats carry it. */
interface Row {
  time: string;
  country: string;
  referrer: string;
  browser: string;
  os: string;
  device: string;
  bot: boolean;
  visitor: string | null;
}

const COLUMNS = ['time', 'country', 'referrer', 'browser', 'os', 'device', 'bot', 'visitor'];

/** RFC 4180 records: quoted fields may hold commas, quotes ("") and line breaks. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      record.push(field);
      field = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  assert.equal(field + record.join(''), '', `the CSV ends with CRLF: ${JSON.stringify(text.slice(-80))}`);
  return records;
}

async function csvRows(client: Client, code: string, query = ''): Promise<{ res: Reply; rows: Row[] }> {
  const res = await client.get(`/api/links/${code}/clicks.csv${query}`);
  assertStatus(res, 200, 'csv:');
  assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.equal(res.headers.get('content-disposition'), `attachment; filename="clicks-${code}.csv"`);
  const [header, ...records] = parseCsv(res.text);
  assert.deepEqual(header, COLUMNS, 'the header row');
  const rows = records.map((r) => {
    assert.equal(r.length, COLUMNS.length, `a row of ${COLUMNS.length} cells: ${JSON.stringify(r)}`);
    // The documented formula guard, undone as a spreadsheet shows the cell: any cell may start with
    // one of = + - @ (a visitor hash is base64url, so about one in 32 starts with "-").
    const shown = r.map((cell) => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell));
    const [time, country, referrer, browser, os, device, bot, visitor] = shown as [string, string, string, string, string, string, string, string];
    assert.ok(bot === 'true' || bot === 'false', `bot ${bot}`);
    return { time, country, referrer, browser, os, device, bot: bot === 'true', visitor: visitor === '' ? null : visitor };
  });
  return { res, rows };
}

async function ndjsonRows(client: Client, code: string, query = ''): Promise<Row[]> {
  const res = await client.get(`/api/links/${code}/clicks.ndjson${query}`);
  assertStatus(res, 200, 'ndjson:');
  assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
  assert.ok(res.text === '' || res.text.endsWith('\n'), 'each line ends with \\n');
  return res.text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Row);
}

const byTime = (a: Row, b: Row) => a.time.localeCompare(b.time) || a.referrer.localeCompare(b.referrer);

export function exportCases(s: Suite): void {
  describe('clicks export', () => {
    it('when a link has human and bot clicks, then CSV and NDJSON have one row each with time, country, referrer host, agent, bot and visitor', async () => {
      const link = await createLink(s.alice);
      const started = new Date(Date.now() - 1_000).toISOString();
      for (let i = 0; i < 3; i++) await visit(s.target, `/r/${link.code}`, { referrer: 'https://news.example.com/post/1' });
      for (let i = 0; i < 2; i++) await visit(s.target, `/${link.code}`, { userAgent: GOOGLEBOT_UA });
      await assertSettledTotal(s.alice, link.code, 3, 2);
      const ended = new Date(Date.now() + 1_000).toISOString();

      const { rows: csv } = await csvRows(s.alice, link.code);
      const ndjson = await ndjsonRows(s.alice, link.code);
      assert.equal(csv.length, 5, 'csv rows');
      assert.deepEqual([...ndjson].sort(byTime), [...csv].sort(byTime), 'the same rows in both formats');
      for (const row of ndjson) {
        assert.deepEqual(Object.keys(row), COLUMNS);
        assert.match(row.time, ISO_UTC);
        assert.ok(row.time >= started && row.time <= ended, `time ${row.time}`);
        assert.ok(row.country.length > 0, 'country');
        assert.equal(typeof row.visitor, 'string');
        // The stored visitor hash: never the client's address.
        assert.doesNotMatch(row.visitor!, /127\.0\.0\.1|::1|^\d+\.\d+\.\d+\.\d+$/);
      }
      const humans = ndjson.filter((r) => !r.bot);
      assert.equal(humans.length, 3, 'humans');
      assert.ok(humans.every((r) => r.referrer === 'news.example.com' && /chrome/i.test(r.browser) && /windows/i.test(r.os)), JSON.stringify(humans));
      const bots = ndjson.filter((r) => r.bot);
      assert.equal(bots.length, 2, 'bots');
      assert.ok(bots.every((r) => r.referrer === 'direct'), JSON.stringify(bots));
    });

    it('when from and to are given, then only the clicks between them (inclusive) are exported', async () => {
      const link = await createLink(s.alice);
      for (let i = 0; i < 4; i++) {
        await visit(s.target, `/r/${link.code}`);
        await sleep(15);
      }
      await assertSettledTotal(s.alice, link.code, 4);
      const times = (await ndjsonRows(s.alice, link.code)).map((r) => r.time).sort();
      assert.equal(new Set(times).size, 4, `four distinct times: ${times.join(' ')}`);
      const [, second, third] = times as [string, string, string, string];
      const window = `?from=${second}&to=${third}`;
      assert.deepEqual((await ndjsonRows(s.alice, link.code, window)).map((r) => r.time).sort(), [second, third]);
      assert.deepEqual((await csvRows(s.alice, link.code, window)).rows.map((r) => r.time).sort(), [second, third]);
      assert.deepEqual((await ndjsonRows(s.alice, link.code, `?from=${second}`)).length, 3, 'from only');
      assert.deepEqual((await ndjsonRows(s.alice, link.code, `?to=${second}`)).length, 2, 'to only');
      const future = new Date(Date.now() + 86_400_000).toISOString();
      assert.equal((await csvRows(s.alice, link.code, `?from=${future}`)).res.text, COLUMNS.join(',') + '\r\n', 'a header and no rows');
    });

    it('when a referrer host starts with =, then the CSV cell gets a leading apostrophe and NDJSON keeps it as it is', async () => {
      const link = await createLink(s.alice);
      await visit(s.target, `/r/${link.code}`, { referrer: 'https://=cmd.example/x' });
      await assertSettledTotal(s.alice, link.code, 1);
      const { res, rows } = await csvRows(s.alice, link.code);
      const [, cells] = parseCsv(res.text);
      assert.equal(cells?.[2], "'=cmd.example", 'the CSV cell as written');
      assert.equal(rows[0]?.referrer, '=cmd.example', 'as a spreadsheet shows it');
      assert.equal((await ndjsonRows(s.alice, link.code))[0]?.referrer, '=cmd.example');
    });

    it('when from or to is not a real date-time, then 400 problem+json', async () => {
      const link = await createLink(s.alice);
      assertProblem(await s.alice.get(`/api/links/${link.code}/clicks.csv?from=notadate`), 400, 'from:');
      assertProblem(await s.alice.get(`/api/links/${link.code}/clicks.ndjson?to=2026-02-30T00:00:00Z`), 400, 'to:');
      assertProblem(await s.alice.get(`/api/links/${link.code}/clicks.csv?to=2026-06-30T23:59:60Z`), 400, 'leap second:');
    });

    it('when the code is another user’s or unknown, then 404 like a missing link; without a credential, 401', async () => {
      const link = await createLink(s.alice);
      await visit(s.target, `/r/${link.code}`);
      for (const format of ['csv', 'ndjson']) {
        const bob = assertProblem(await s.bob.get(`/api/links/${link.code}/clicks.${format}`), 404, `bob ${format}:`);
        const missing = assertProblem(await s.alice.get(`/api/links/nosuch${link.code}/clicks.${format}`), 404, `unknown ${format}:`);
        assert.equal(bob.title, missing.title, 'no existence leak');
        assertProblem(await s.anon.get(`/api/links/${link.code}/clicks.${format}`), 401, `anonymous ${format}:`);
      }
    });
  });
}
