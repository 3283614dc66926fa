import { CliError, UsageError } from './output.ts';

/** Everything on stdin, without the one line end a shell or `echo` adds: `--password-stdin`. */
export async function readPasswordFromStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Reads one line on a terminal without echoing it; Ctrl-C gives up. Works on Windows consoles too (raw mode, no signals). */
function readHidden(prompt: string, stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed = '';
    stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (data: string) => {
      for (const char of data) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new CliError('CANCELLED', 'Cancelled.'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (char >= ' ') typed += char;
      }
    };
    stdin.on('data', onData);
  });
}

/** `--password`: asks twice on the terminal; without a terminal, says to use --password-stdin. */
export async function promptNewPassword(stdin: NodeJS.ReadStream = process.stdin, stderr: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (!stdin.isTTY) {
    throw new CliError('NO_TERMINAL', 'There is no terminal to ask for the password on: pipe it in with --password-stdin instead.');
  }
  const password = await readHidden('Password: ', stdin, stderr);
  const again = await readHidden('Password again: ', stdin, stderr);
  if (password !== again) throw new CliError('PASSWORD_MISMATCH', 'The two passwords differ; nothing was changed.');
  return password;
}

/** The password a command was given by `--password` (asked for) or `--password-stdin` (read), or undefined for neither. */
export async function passwordOption(values: Record<string, string | boolean | undefined>): Promise<string | undefined> {
  if (values.password && values['password-stdin']) throw new UsageError('Give --password or --password-stdin, not both.');
  if (values['password-stdin']) return readPasswordFromStdin();
  if (values.password) return promptNewPassword();
  return undefined;
}
