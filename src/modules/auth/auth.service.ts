import { randomUUID } from 'node:crypto';
import { AppError } from '../../common/errors.ts';
import type { AuthPort, AuthService, Credential, IssuedKey, Principal } from './auth.port.ts';
import type { AuthRepository, UserRow } from './auth.repository.ts';
import { generateApiKey, isWellFormedKey, keyMatches, lookupPrefix } from './auth.keys.ts';

export interface AuthServiceDeps {
  repository: AuthRepository;
  /** AUTH_MODE=header: these user names are trusted from X-User / ?user=. Empty in apikey mode. */
  trustedUserNames: readonly string[];
  now?: () => number;
}

const USER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

const iso = (ms: number) => new Date(ms).toISOString();

const toPrincipal = (row: Pick<UserRow, 'id' | 'name' | 'is_admin'>): Principal => ({
  id: row.id,
  name: row.name,
  isAdmin: Boolean(row.is_admin),
});

export function createAuthService({ repository, trustedUserNames, now = Date.now }: AuthServiceDeps): AuthService {
  const trusted = new Set(trustedUserNames);

  async function verify(credential: Credential): Promise<Principal | null> {
    if ('userName' in credential) {
      if (!trusted.has(credential.userName)) return null;
      const user = await repository.findUserByName(credential.userName);
      return user ? toPrincipal(user) : null;
    }
    if (typeof credential.apiKey !== 'string' || !isWellFormedKey(credential.apiKey)) return null;
    const row = await repository.findActiveKey(lookupPrefix(credential.apiKey));
    return row && keyMatches(credential.apiKey, row.hash) ? toPrincipal(row) : null;
  }

  async function issueKey(user: Principal): Promise<IssuedKey> {
    const { apiKey, prefix, hash } = generateApiKey();
    await repository.insertKey({ id: randomUUID(), user_id: user.id, prefix, hash, created_at: now(), revoked_at: null });
    return { user, apiKey, prefix };
  }

  async function insertUser(name: string, admin: boolean): Promise<Principal> {
    if (!USER_NAME.test(name)) {
      throw new AppError('VALIDATION', 'A user name is 1 to 64 characters of letters, digits, _ . -', [
        { field: 'name', message: 'must match [A-Za-z0-9_.-]{1,64}' },
      ]);
    }
    if (await repository.findUserByName(name)) throw new AppError('USER_EXISTS', `User ${name} already exists.`);
    const row = { id: randomUUID(), name, is_admin: admin ? 1 : 0, created_at: now() };
    await repository.insertUser(row);
    return toPrincipal(row);
  }

  const port: AuthPort = { verify };
  return {
    ...port,
    async createUser(name, options = {}) {
      return issueKey(await insertUser(name, options.admin ?? false));
    },
    async ensureUsers(names) {
      for (const name of names) {
        if (!(await repository.findUserByName(name))) await insertUser(name, false);
      }
    },
    async createKey(userName) {
      const user = await repository.findUserByName(userName);
      if (!user) throw new AppError('USER_NOT_FOUND', `No user named ${userName}.`);
      return issueKey(toPrincipal(user));
    },
    async revokeKey(prefix, owner) {
      const revoked = await repository.revokeKey(prefix, now(), owner?.id);
      if (revoked === 0) throw new AppError('KEY_NOT_FOUND', `No active key with prefix ${prefix}.`);
    },
    async listKeys(owner) {
      const rows = await repository.listKeys(owner.id);
      return rows.map((r) => ({
        prefix: r.prefix,
        createdAt: iso(r.created_at),
        revokedAt: r.revoked_at === null ? null : iso(r.revoked_at),
      }));
    },
    async listAllKeys(userName) {
      const user = userName === undefined ? undefined : await repository.findUserByName(userName);
      if (userName !== undefined && !user) throw new AppError('USER_NOT_FOUND', `No user named ${userName}.`);
      const rows = await repository.listKeysWithUser(user?.id);
      return rows.map((r) => ({ user: r.name, prefix: r.prefix, createdAt: iso(r.created_at), revokedAt: r.revoked_at === null ? null : iso(r.revoked_at) }));
    },
    async listUsers() {
      const rows = await repository.listUsers();
      return rows.map((r) => ({ name: r.name, isAdmin: Boolean(r.is_admin), createdAt: iso(r.created_at), activeKeys: Number(r.active_keys) }));
    },
    async deleteUser(name) {
      const user = await repository.findUserByName(name);
      if (!user || (await repository.deleteUser(user.id)) === 0) throw new AppError('USER_NOT_FOUND', `No user named ${name}.`);
    },
    countUsers: () => repository.countUsers(),
  };
}
