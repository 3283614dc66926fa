import type { Config } from '../common/config.ts';
import type { AuthService } from '../modules/auth/index.ts';
import { withAuthAdmin } from '../runtime/admin.ts';
import type { Command, CommandInput } from './command.ts';
import { CliError } from './output.ts';
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

const table = (rows: string[][]): string => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
};

export const adminCommands: Record<string, Command> = {
  'user create': {
    usage: 'user create <name> [--admin]',
    summary: 'Create a user and print its first API key (shown once) and the key prefix.',
    details: '  --admin   the user may create other users through the API',
    options: { admin: { type: 'boolean', default: false } },
    arity: [1, 1],
    async run(input) {
      refuseInHeaderMode(input.config(), 'Creating users');
      const [name = ''] = input.args;
      const { result: issued, database } = await onAuth(input, (auth) => auth.createUser(name, { admin: input.values.admin === true }));
      input.out.print(
        { user: issued.user.name, apiKey: issued.apiKey, prefix: issued.prefix, admin: issued.user.isAdmin, database },
        `Created user ${issued.user.name}${issued.user.isAdmin ? ' (admin)' : ''}.\nAPI key (shown once, keep it safe):\n\n  ${issued.apiKey}\n\n` +
          `Key prefix (for morphlink key revoke): ${issued.prefix}\n` +
          `Try: curl -H "Authorization: Bearer ${issued.apiKey}" ${input.config().baseUrl}/api/links`,
      );
    },
  },
  'user list': {
    usage: 'user list',
    summary: 'List every user, whether it is an admin, and how many active keys it has.',
    arity: [0, 0],
    async run(input) {
      const { result: users, database } = await onAuth(input, (auth) => auth.listUsers());
      const rows = users.map((u) => [u.name, u.isAdmin ? 'yes' : 'no', String(u.activeKeys), u.createdAt]);
      input.out.print({ users, database }, users.length ? table([['NAME', 'ADMIN', 'KEYS', 'CREATED'], ...rows]) : 'No users.');
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
