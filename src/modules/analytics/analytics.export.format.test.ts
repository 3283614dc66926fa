import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvCell, exportChunks, exportFileName, primedStream } from './analytics.export.format.ts';
import type { ExportedClick } from './analytics.export.ts';

const click = (extra: Partial<ExportedClick> = {}): ExportedClick => ({
  time: '2026-01-01T00:00:00.000Z',
  country: 'FR',
  referrer: 'news.example.com',
  browser: 'Chrome',
  os: 'Windows',
  device: 'desktop',
  bot: false,
  visitor: 'v1',
  ...extra,
});

async function* pagesOf(...pages: ExportedClick[][]) {
  yield* pages;
}

const collect = async (chunks: AsyncIterable<string>) => {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
};

describe('clicks export format', () => {
  it('when a cell starts with = + - @, tab or CR, then it gets a leading apostrophe; elsewhere they stay', () => {
    for (const [value, cell] of [
      ['=1+1', "'=1+1"],
      ['+33', "'+33"],
      ['-2', "'-2"],
      ['@SUM(A1)', "'@SUM(A1)"],
      ['\tx', "'\tx"],
      ['a=b', 'a=b'],
      ['x-y', 'x-y'],
      ['', ''],
    ]) {
      assert.equal(csvCell(value!), cell, JSON.stringify(value));
    }
  });

  it('when a cell holds a comma, a quote or a line break, then it is quoted with quotes doubled (after the apostrophe)', () => {
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('a\nb'), '"a\nb"');
    assert.equal(csvCell('=HYPERLINK("http://x")'), '"\'=HYPERLINK(""http://x"")"');
  });

  it('when pages are written as CSV, then one header, CRLF rows, null visitor empty; with no page, the header alone', async () => {
    const text = await collect(exportChunks('csv', pagesOf([click()], [click({ bot: true, visitor: null, referrer: '=x' })])));
    assert.equal(
      text,
      'time,country,referrer,browser,os,device,bot,visitor\r\n' +
        '2026-01-01T00:00:00.000Z,FR,news.example.com,Chrome,Windows,desktop,false,v1\r\n' +
        "2026-01-01T00:00:00.000Z,FR,'=x,Chrome,Windows,desktop,true,\r\n",
    );
    assert.equal(await collect(exportChunks('csv', pagesOf())), 'time,country,referrer,browser,os,device,bot,visitor\r\n');
  });

  it('when pages are written as NDJSON, then one JSON object per line, values unchanged; with no page, nothing', async () => {
    const text = await collect(exportChunks('ndjson', pagesOf([click({ referrer: '=x', visitor: null })])));
    assert.deepEqual(text.split('\n'), [JSON.stringify(click({ referrer: '=x', visitor: null })), '']);
    assert.equal(await collect(exportChunks('ndjson', pagesOf())), '');
  });

  it('when nobody reads the stream, then no more chunks are made; when it is destroyed, then the source is closed', async () => {
    let [made, closed] = [0, false];
    async function* endless() {
      try {
        for (;;) {
          made++;
          yield 'x'.repeat(100_000);
        }
      } finally {
        closed = true;
      }
    }
    const stream = await primedStream(endless());
    assert.equal(made, 1, 'the first chunk is read before the answer starts');
    stream.resume();
    stream.pause();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(made <= 3, `${made} chunks made for a reader that stopped`);
    const before = made;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(made, before, 'nothing more while paused');
    stream.destroy();
    await new Promise((resolve) => stream.once('close', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(closed, true, 'the generator was returned');

    // Destroyed before a byte was taken (a client gone at once): the source is closed too.
    [made, closed] = [0, false];
    const untouched = await primedStream(endless());
    untouched.destroy();
    await new Promise((resolve) => untouched.once('close', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([made, closed], [1, true]);
  });

  it('when the first page fails, then primedStream rejects (an error answer, not a 200 cut short)', async () => {
    const down = true;
    async function* failing(): AsyncGenerator<string> {
      if (down) throw new Error('database down');
      yield 'never';
    }
    await assert.rejects(primedStream(failing()), /database down/);
  });

  it('when a code has characters a file name should not, then they are replaced', () => {
    assert.equal(exportFileName('abc_D-1', 'csv'), 'clicks-abc_D-1.csv');
    assert.equal(exportFileName('a"b/c', 'ndjson'), 'clicks-a_b_c.ndjson');
  });
});
