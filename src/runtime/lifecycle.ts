import type { App } from '../common/http/server.ts';
import type { Context } from './context.ts';

/** What a supervisor sends a child over IPC to stop it: the same as SIGTERM, on every platform. */
export const STOP_MESSAGE = { type: 'stop' } as const;

const isStopMessage = (message: unknown): boolean =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === STOP_MESSAGE.type;

/**
 * Listens, then on SIGTERM/SIGINT, an IPC `{type:'stop'}`, or the loss of the IPC channel (the
 * supervisor died): answer /ready with 503 (for SHUTDOWN_DELAY_MS while still serving), stop
 * accepting and finish in-flight requests, run the closers in order (flush click buffers, close
 * databases), exit 0.
 */
export async function serve(app: App, ctx: Context, port: number, closers: (() => Promise<void>)[]): Promise<void> {
  let stopping = false;
  async function stop(signal: string) {
    if (stopping) return;
    stopping = true;
    ctx.logger.info({ signal }, 'shutting down');
    let code = 0;
    try {
      // Readiness first: a load balancer polling /ready stops sending before the server stops taking.
      app.startDraining();
      const { shutdownDelayMs } = ctx.config;
      if (shutdownDelayMs > 0) {
        ctx.logger.info({ ms: shutdownDelayMs }, '/ready answers 503; still serving until the delay ends');
        await new Promise((resolve) => setTimeout(resolve, shutdownDelayMs));
      }
      await app.close();
      for (const close of closers) await close();
      await ctx.databases.closeAll();
    } catch (error) {
      ctx.logger.error({ err: error }, 'shutdown failed');
      code = 1;
    }
    process.exit(code);
  }
  process.once('SIGTERM', () => void stop('SIGTERM'));
  // Windows has no process groups: a console's Ctrl-C reaches every child too. A supervised child
  // leaves it to the supervisor, which stops the fleet in order over IPC.
  if (process.platform === 'win32' && process.send) process.on('SIGINT', () => ctx.logger.info('Ctrl-C: the supervisor stops us in order'));
  else process.once('SIGINT', () => void stop('SIGINT'));
  watchSupervisor((reason) => void stop(reason));
  await app.listen({ host: ctx.config.host, port });
  ctx.logger.info({ url: `http://${ctx.config.host}:${port}`, mode: ctx.config.mode }, `${ctx.service} listening`);
}

/** Started with an IPC channel (by `morphlink up`): obey its stop message, and never outlive it. */
export function watchSupervisor(stop: (reason: string) => void): void {
  // process.send stays defined after a disconnect, so a channel lost during start is seen here too.
  if (!process.send) return;
  if (!process.connected) return stop('supervisor gone');
  process.on('message', (message) => {
    if (isStopMessage(message)) stop('ipc');
  });
  process.once('disconnect', () => stop('supervisor gone'));
}
