// Port contracts: the same cases run against a module's in-process service and against its HTTP
// client talking to that same service over real HTTP on 127.0.0.1, so the client is proven a
// faithful stand-in (same answers, same AppError codes).
import { after, before, describe } from 'node:test';
import { createHttpClient, type HttpClient } from '../../src/common/http/client.ts';
import { createHttpServer, type App } from '../../src/common/http/server.ts';
import { createMetrics } from '../../src/common/metrics.ts';
import { silentLogger } from '../support/test-support.ts';

export const TOKEN = 'port-contract-token';

/** A real server on 127.0.0.1 with `mount`'s routes, and a client for it. */
export async function servePort(service: string, mount: (app: App) => void): Promise<{ http: HttpClient; base: string; close(): Promise<void> }> {
  const app = createHttpServer({
    service, mode: 'microservices', version: 'test', logger: silentLogger, metrics: createMetrics(service),
    bodyLimitBytes: 1_048_576, trustProxy: 'loopback', ready: {},
  });
  mount(app);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const http = createHttpClient(base, { token: TOKEN });
  return {
    http,
    base,
    async close() {
      await http.close();
      await app.close();
    },
  };
}

/** How a port is reached: `direct` is the service itself, `client` its HTTP client. */
export interface Implementation<P> {
  name: string;
  /** Called in before(): the port, and how to let it go. */
  open(): Promise<{ port: P; close?(): Promise<void> }>;
}

/**
 * Runs `cases` once per implementation, each in its own describe. `cases` gets a getter for the
 * port (valid inside its tests) and registers its it()s.
 */
export function portContract<P>(title: string, implementations: Implementation<P>[], cases: (port: () => P) => void): void {
  for (const implementation of implementations) {
    describe(`${title}: ${implementation.name}`, () => {
      let opened: { port: P; close?(): Promise<void> } | undefined;
      before(async () => (opened = await implementation.open()));
      after(async () => opened?.close?.());
      cases(() => {
        if (!opened) throw new Error('portContract: the suite has not started yet');
        return opened.port;
      });
    });
  }
}
