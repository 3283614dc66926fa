import { ConfigError } from '../common/config.ts';
import { MissingDatabaseError } from '../common/database-url.ts';
import { AppError } from '../common/errors.ts';

/** Misuse of the command line: exit 2 with one line. */
export class UsageError extends Error {}

/** A refusal or failure the user can act on: exit 1 with one line and this code. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** How a command speaks: one JSON object on stdout with --json, text otherwise. */
export interface Output {
  readonly json: boolean;
  print(json: object, text: string): void;
  /** Notes beside the result (e.g. which database), on stderr so stdout stays the result. */
  note(text: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    print: (object, text) => console.log(json ? JSON.stringify(object) : text),
    note: (text) => console.error(text),
  };
}

/** Resolves on 'drain', or on 'error' (which writeChunks' own listener records). */
const drained = (out: NodeJS.WritableStream) =>
  new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('error', done);
  });

/**
 * An export's chunks onto stdout, each when it has room (a large export into a slow disk); a
 * reader that went away (`| head`) ends the export quietly, any other write error is thrown.
 */
export async function writeChunks(chunks: AsyncIterable<string>, out: NodeJS.WritableStream): Promise<void> {
  let failed: (Error & { code?: string }) | undefined;
  const onError = (error: Error) => void (failed ??= error);
  out.on('error', onError);
  try {
    for await (const chunk of chunks) {
      if (!out.write(chunk) && !failed) await drained(out);
      if (failed) break;
    }
  } finally {
    out.off('error', onError);
  }
  if (failed && failed.code !== 'EPIPE') throw failed;
}

/** Every failure as one line (or one JSON object with --json); returns the exit code. */
export function reportFailure(error: unknown, json: boolean): number {
  const { code, message, exit } = describeFailure(error);
  if (json) console.log(JSON.stringify({ error: { code, message } }));
  else console.error(`morphlink: ${message}`);
  // A stack only on request: a user needs the one line, a developer can ask for more.
  if (code === 'INTERNAL' && /^(debug|trace)$/i.test(process.env.LOG_LEVEL ?? '')) console.error(error);
  return exit;
}

function describeFailure(error: unknown): { code: string; message: string; exit: number } {
  if (error instanceof UsageError) return { code: 'USAGE', message: error.message, exit: 2 };
  if (error instanceof CliError) return { code: error.code, message: error.message, exit: 1 };
  if (error instanceof ConfigError) return { code: 'CONFIG', message: error.message, exit: 1 };
  if (error instanceof MissingDatabaseError) return { code: 'DATABASE_MISSING', message: error.message, exit: 1 };
  if (error instanceof AppError) return { code: error.code, message: error.message, exit: 1 };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: `${message.split('\n')[0]} (LOG_LEVEL=debug shows the stack)`, exit: 1 };
}
