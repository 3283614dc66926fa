import type { Config } from '../common/config.ts';
import type { AuthService } from '../modules/auth/index.ts';
import { withAuthAdmin } from '../runtime/admin.ts';
import type { Command, CommandInput } from './command.ts';
import { CliError, UsageError } from './output.ts';
import { passwordOption } from './password-input.ts';
import { noteDatabases } from './server-commands.ts';

/** Runs `work` on the auth database, after saying which database that is. */
async function onAuth<T>({ config, out }: CommandInput, work: (auth: AuthService) => Promise<T>): Promise<{ result: T; database: string }> {
  const [database = ''] = noteDatabases(out, config(), ['auth']);
  return { result: await withAuthAdmin(config(), work), database };
}

// In header mode anyone may claim a user name: whatever we minted would outlive the demo.
function refuseInHeaderMode(config: Readonly<Config>, what: string): void {
  if (config.authMode === 'header') {
    throw new CliError('HEADER_MODE', `${what} is disabled with AUTH_MODE=header; set AUTH_MODE=apikey (the default) to manage users and keys.`);
  }
}

const PASSWORD_OPTIONS = {
  password: { type: 'boolean', default: false },
  'password-stdin': { type: 'boolean', default: false },
} as const;

const PASSWORD_DETAILS = [
  'OPTIONS',
  '  --password         ask for a password for the dashboard, twice, without echoing it (needs a terminal)',
  '  --password-stdin   read the password from stdin (for scripts: printf %s "$PW" | morphlink …)',
  'A password is 8 to 1024 characters, stored as a scrypt hash.',
].join('\n');

const table = (rows: string[][]): string => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
};

export const adminCommands: Record<string, Command> = {
  'user create': {
    usage: 'user create <name> [--admin] [--password | --password-stdin]',
    summary: 'Create a user and print its first API key (shown once) and the key prefix.',
    details: PASSWORD_DETAILS.replace('OPTIONS', '  --admin            the user may create other users through the API and sees the System page'),
    options: { admin: { type: 'boolean', default: false }, ...PASSWORD_OPTIONS },
    arity: [1, 1],
    async run(input) {
      refuseInHeaderMode(input.config(), 'Creating users');
      const [name = ''] = input.args;
      const password = await passwordOption(input.values);
      const options = { admin: input.values.admin === true, ...(password !== undefined && { password }) };
      const { result: issued, database } = await onAuth(input, (auth) => auth.createUser(name, options));
      const { baseUrl } = input.config();
      input.out.print(
        { user: issued.user.name, apiKey: issued.apiKey, prefix: issued.prefix, admin: issued.user.isAdmin, password: password !== undefined, database },
        `Created user ${issued.user.name}${issued.user.isAdmin ? ' (admin)' : ''}${password !== undefined ? ', with a password' : ''}.\n` +
          `API key (shown once, keep it safe):\n\n  ${issued.apiKey}\n\n` +
          `Key prefix (for morphlink key revoke): ${issued.prefix}\n` +
          (password !== undefined ? `Sign in at ${baseUrl}/dashboard/ (or paste the key there).\n` : `Paste the key at ${baseUrl}/dashboard/ to sign in, or give the user a password: morphlink user password ${issued.user.name} --password\n`) +
          `Try: curl -H "Authorization: Bearer ${issued.apiKey}" ${baseUrl}/api/links`,
      );
    },
  },
  'user password': {
    usage: 'user password <name> (--password | --password-stdin | --remove)',
    summary: "Set or change a user's dashboard password, or remove it (its API keys keep working).",
    details: PASSWORD_DETAILS.replace('OPTIONS', '  --remove           no password: the user signs in to the dashboard with an API key only'),
    options: { ...PASSWORD_OPTIONS, remove: { type: 'boolean', default: false } },
    arity: [1, 1],
    async run(input) {
      refuseInHeaderMode(input.config(), 'Setting passwords');
      const [name = ''] = input.args;
      const given = ['password', 'password-stdin', 'remove'].filter((option) => input.values[option] === true);
      if (given.length !== 1) {
        throw new UsageError('user password: give one of --password, --password-stdin or --remove (see: morphlink user password --help)');
      }
      const password = await passwordOption(input.values);
      const { database } = await onAuth(input, (auth) => auth.setPassword(name, password ?? null));
      input.out.print(
        { user: name, password: password !== undefined, database },
        password === undefined ? `Removed the password of ${name}.` : `Set the password of ${name}.`,
      );
    },
  },
  'user list': {
    usage: 'user list',
    summary: 'List every user, whether it is an admin, whether it has a dashboard password, and how many active keys it has.',
    arity: [0, 0],
    async run(input) {
      const { result: users, database } = await onAuth(input, (auth) => auth.listUsers());
      const rows = users.map((u) => [u.name, u.isAdmin ? 'yes' : 'no', u.hasPassword ? 'yes' : 'no', String(u.activeKeys), u.createdAt]);
      input.out.print({ users, database }, users.length ? table([['NAME', 'ADMIN', 'PASSWORD', 'KEYS', 'CREATED'], ...rows]) : 'No users.');
    },
  },
  'user delete': {
    usage: 'user delete <name>',
    summary: "Delete a user and revoke all its keys. Its links keep redirecting; nobody can manage them any more.",
    arity: [1, 1],
    async run(input) {
      const [name = ''] = input.args;
      const { database } = await onAuth(input, (auth) => auth.deleteUser(name));
      input.out.print({ deleted: name, database }, `Deleted user ${name} and its keys.`);
    },
  },
  'key create': {
    usage: 'key create <user>',
    summary: 'Issue another API key for a user; prints the key (shown once) and its prefix.',
    arity: [1, 1],
    async run(input) {
      refuseInHeaderMode(input.config(), 'Creating keys');
      const [name = ''] = input.args;
      const { result: issued, database } = await onAuth(input, (auth) => auth.createKey(name));
      input.out.print(
        { user: issued.user.name, apiKey: issued.apiKey, prefix: issued.prefix, database },
        `API key for ${name} (shown once):\n\n  ${issued.apiKey}\n\nKey prefix (for morphlink key revoke): ${issued.prefix}`,
      );
    },
  },
  'key list': {
    usage: 'key list [<user>]',
    summary: "List API keys by prefix (every user's, or one user's), newest first, with when each was revoked.",
    arity: [0, 1],
    async run(input) {
      const { result: keys, database } = await onAuth(input, (auth) => auth.listAllKeys(input.args[0]));
      const rows = keys.map((k) => [k.prefix, k.user, k.createdAt, k.revokedAt ?? 'active']);
      input.out.print({ keys, database }, keys.length ? table([['PREFIX', 'USER', 'CREATED', 'REVOKED'], ...rows]) : 'No keys.');
    },
  },
  'key revoke': {
    usage: 'key revoke <prefix>',
    summary: 'Revoke an API key by its prefix (mlk_ and ten characters, as key list shows).',
    arity: [1, 1],
    async run(input) {
      const [prefix = ''] = input.args;
      const { database } = await onAuth(input, (auth) => auth.revokeKey(prefix));
      input.out.print({ revoked: prefix, database }, `Revoked ${prefix}.`);
    },
  },
};
