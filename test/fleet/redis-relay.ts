import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP relay on `port` to the shared Redis (127.0.0.1:6379): closing it is a Redis outage for
 * the fleet that uses it, without stopping the Redis other tests share.
 */
export async function startRedisRelay(port: number): Promise<{ close(): void }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(6379, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    close: () => {
      if (server.listening) server.close();
      for (const s of sockets) s.destroy();
    },
  };
}
