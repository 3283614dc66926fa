import Fastify from 'fastify';
import { Type } from 'typebox';
import { AppError, toProblem } from '../common/errors.ts';
import { createInternalGuard } from '../common/http/internal.ts';
import type { Logger } from '../common/logger.ts';

export interface ControlOptions {
  port: number;
  /** The fleet's INTERNAL_TOKEN: any local process can reach 127.0.0.1, only the fleet's owner may scale it. */
  token: string;
  status: () => object;
  scale: (redirectors: number) => Promise<void>;
  logger: Logger;
}

/**
 * The supervisor's control endpoint, on 127.0.0.1 only: the status of each process, and the
 * redirector replica count (what the autopilot turns). Every call needs `Authorization: Bearer <token>`.
 */
export async function startControlServer({ port, token, status, scale, logger }: ControlOptions) {
  const app = Fastify({ logger: false });
  app.setErrorHandler((error: Error & { validation?: unknown; statusCode?: number }, _request, reply) => {
    const appError =
      error instanceof AppError ? error : new AppError(error.validation ? 'VALIDATION' : 'INTERNAL', error.validation ? error.message : 'Something went wrong.');
    return reply.code(appError.status).type('application/problem+json; charset=utf-8').send(toProblem(appError));
  });
  app.addHook('onRequest', createInternalGuard(token));
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
  try {
    await app.listen({ host: '127.0.0.1', port });
  } catch (error) {
    const inUse = (error as { code?: string }).code === 'EADDRINUSE';
    throw new Error(inUse ? `the supervisor's control port ${port} (SUPERVISOR_PORT) is in use (EADDRINUSE)` : String(error));
  }
  logger.info({ url: `http://127.0.0.1:${port}` }, 'supervisor control listening');
  return { close: () => app.close() };
}
