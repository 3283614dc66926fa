import type { App } from '../common/http/server.ts';
import type { Context } from './context.ts';

/**
 * Listens, then on SIGTERM/SIGINT: stop accepting and finish in-flight requests, run the
 * closers in order (flush click buffers, close databases), exit 0.
 */
export async function serve(app: App, ctx: Context, port: number, closers: (() => Promise<void>)[]): Promise<void> {
  let stopping = false;
  async function stop(signal: string) {
    if (stopping) return;
    stopping = true;
    ctx.logger.info({ signal }, 'shutting down');
    let code = 0;
    try {
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
  process.once('SIGINT', () => void stop('SIGINT'));
  await app.listen({ host: ctx.config.host, port });
  ctx.logger.info({ url: `http://${ctx.config.host}:${port}`, mode: ctx.config.mode }, `${ctx.service} listening`);
}
