import assert from 'node:assert/strict';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMetrics } from '../metrics.ts';
import { silentLogger } from '../../../test/support/test-support.ts';
import { createHttpServer, type App } from './server.ts';

const LIMIT = 1024;

/** What a client on a raw socket saw: everything the server sent, and why sending failed if it did. */
interface Exchange {
  received: string;
  error: string | null;
}

/**
 * Sends the head of a POST and its body in two parts with a pause between, as a client on a slow
 * link does, and reads until the server closes or `idleMs` passes without a byte.
 */
async function postInTwoParts(port: number, bodyBytes: number, { chunked = false, idleMs = 500 } = {}): Promise<Exchange> {
  const socket: Socket = connect(port, '127.0.0.1');
  const exchange: Exchange = { received: '', error: null };
  socket.on('data', (chunk: Buffer) => (exchange.received += chunk.toString('latin1')));
  socket.on('error', (error: NodeJS.ErrnoException) => (exchange.error ??= error.code ?? error.message));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve) => socket.on('connect', resolve));

  const body = Buffer.alloc(bodyBytes, 'x');
  const framing = chunked ? 'transfer-encoding: chunked' : `content-length: ${bodyBytes}`;
  const part = (bytes: Buffer) => (chunked ? Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]) : bytes);
  const write = (data: Buffer | string) =>
    new Promise<void>((resolve) => {
      if (socket.destroyed) {
        exchange.error ??= 'the server closed the connection before the body was sent';
        return resolve();
      }
      socket.write(data, (error) => {
        if (error) exchange.error ??= error.message;
        resolve();
      });
    });

  await write(`POST /things HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n${framing}\r\n\r\n`);
  const half = Math.floor(bodyBytes / 2);
  await write(part(body.subarray(0, half)));
  await sleep(200);
  await write(part(body.subarray(half)));
  if (chunked) await write('0\r\n\r\n');

  let lastLength = -1;
  while (!socket.destroyed && exchange.received.length !== lastLength) {
    lastLength = exchange.received.length;
    await Promise.race([closed, sleep(idleMs)]);
  }
  socket.destroy();
  return exchange;
}

// A client that is still sending a refused body must still read the refusal. The server used to
// answer 413 on the head alone and close the socket with the body unread, which makes the kernel
// reset the connection: Node's fetch then reports EPIPE instead of the 413 (contract suite, CI).
describe('a body over the limit', () => {
  let app: App;
  let port: number;

  before(async () => {
    app = createHttpServer({
      service: 'body-limit-test',
      mode: 'monolith',
      version: 'test',
      logger: silentLogger,
      metrics: createMetrics('body-limit-test'),
      bodyLimitBytes: LIMIT,
      trustProxy: 'loopback',
      ready: {},
    });
    app.post('/things', async () => ({ ok: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });

  after(() => app.close());

  it('when its length is declared, then the client sends all of it and reads a 413 problem', async () => {
    const { received, error } = await postInTwoParts(port, 256 * 1024);
    assert.equal(error, null, `sending failed: ${error}`);
    assert.match(received, /^HTTP\/1\.1 413 /);
    assert.match(received, /content-type: application\/problem\+json/i);
    assert.match(received, /"code":"PAYLOAD_TOO_LARGE"/);
    // Read to its end, the body leaves the connection reusable.
    assert.doesNotMatch(received, /connection: close/i);
  });

  it('when it is declared past what the server will read, then it is refused at once and the connection closed', async () => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(`POST /things HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${1024 ** 3}\r\n\r\n`);
    // No byte of the gigabyte is sent: the answer must not wait for it.
    await Promise.race([closed, sleep(5_000)]);
    socket.destroy();
    assert.match(received, /^HTTP\/1\.1 413 /);
    assert.match(received, /connection: close/i);
  });

  it('when it is chunked, then the client sends all of it and reads a 413 problem', async () => {
    const { received, error } = await postInTwoParts(port, 256 * 1024, { chunked: true });
    assert.equal(error, null, `sending failed: ${error}`);
    assert.match(received, /^HTTP\/1\.1 413 /);
    assert.match(received, /"code":"PAYLOAD_TOO_LARGE"/);
  });

  it('when it is within the limit, then the route answers as before', async () => {
    const { received, error } = await postInTwoParts(port, 2, { idleMs: 200 });
    assert.equal(error, null);
    // Two bytes of "xx" are not JSON: the parser refuses them, the size does not.
    assert.match(received, /^HTTP\/1\.1 400 /);
  });
});
