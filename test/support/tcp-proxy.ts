import { createConnection, createServer, type Socket } from 'node:net';

/** A TCP proxy on 127.0.0.1 that a test can stall or cut, without touching the server behind it. */
export interface TcpProxy {
  port: number;
  /** Stops forwarding in both directions: connections stay open, bytes wait (a network stall). */
  freeze(): void;
  /** Forwards again, including what waited during the freeze. */
  thaw(): void;
  /** Cuts every open connection with a TCP RST (a dropped link); new connections still work. */
  reset(): void;
  /** How many connections are open right now. */
  open(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let frozen = false;

  const server = createServer((client) => {
    const upstream = createConnection({ host: targetHost, port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    // Paused sockets buffer nothing more than the kernel does: that is what a stall looks like.
    if (frozen) pause(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const pause = (pair: [Socket, Socket]) => pair.forEach((s) => s.pause());
  return {
    port,
    freeze() {
      frozen = true;
      pairs.forEach(pause);
    },
    thaw() {
      frozen = false;
      pairs.forEach((pair) => pair.forEach((s) => s.resume()));
    },
    reset() {
      for (const pair of [...pairs]) pair.forEach((s) => s.resetAndDestroy());
      pairs.clear();
    },
    open: () => pairs.size,
    async close() {
      for (const pair of pairs) pair.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
