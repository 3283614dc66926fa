import Fastify from 'fastify';
import { Type } from 'typebox';
import type { Logger } from '../common/logger.ts';

export interface ControlOptions {
  port: number;
  status: () => object;
  scale: (redirectors: number) => Promise<void>;
  logger: Logger;
}

/**
 * The supervisor's control endpoint, on 127.0.0.1 only: the status of each process, and the
 * redirector replica count (what the autopilot turns).
 */
export async function startControlServer({ port, status, scale, logger }: ControlOptions) {
  const app = Fastify({ logger: false });
  app.get('/status', async () => status());
  app.put(
    '/replicas',
    { schema: { body: Type.Object({ redirector: Type.Integer({ minimum: 1, maximum: 32 }) }) } },
    async (request) => {
      const { redirector } = request.body as { redirector: number };
      await scale(redirector);
      return status();
    },
  );
  await app.listen({ host: '127.0.0.1', port });
  logger.info({ url: `http://127.0.0.1:${port}` }, 'supervisor control listening');
  return { close: () => app.close() };
}
