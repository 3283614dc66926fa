import type { IncomingMessage } from 'node:http';

/** How much of a refused body the server reads and throws away so the client can read the refusal. */
export interface DiscardBounds {
  maxBytes: number;
  maxMs: number;
}

/**
 * A body over the limit is read to its end and thrown away before the 413 goes out, so a client
 * still sending it reads the answer. Answering on the head alone and closing with the body unread
 * makes the kernel reset the connection: the client's next write fails (EPIPE) and many clients,
 * Node's fetch among them, report that instead of the 413. Bounded: a body declared or sent past
 * `maxBytes`, or still arriving after `maxMs`, is cut off, as before.
 *
 * Resolves true when the body was read to its end (the connection can stay open), false when it
 * was cut off (answer with `connection: close`).
 */
export function discardBody(request: IncomingMessage, { maxBytes, maxMs }: DiscardBounds): Promise<boolean> {
  if (request.complete) return Promise.resolve(true);
  if (request.destroyed || Number(request.headers['content-length']) > maxBytes) return Promise.resolve(false);
  return new Promise((resolve) => {
    let read = 0;
    const finish = (whole: boolean) => {
      clearTimeout(timer);
      request.off('data', count).off('end', ended).off('error', failed).off('close', failed);
      resolve(whole);
    };
    const count = (chunk: Buffer) => {
      read += chunk.length;
      if (read > maxBytes) finish(false);
    };
    const ended = () => finish(true);
    const failed = () => finish(false);
    const timer = setTimeout(failed, maxMs);
    request.on('data', count).on('end', ended).on('error', failed).on('close', failed);
    request.resume();
  });
}
