import { randomUUID } from 'node:crypto';
import { AppError } from '../../common/errors.ts';
import { hashPassword, verifyPassword } from '../../common/password.ts';
import type { AuthPort, AuthService, Credential, IssuedKey, LoginAttempt, Principal } from './auth.port.ts';
import type { AuthRepository, UserRow } from './auth.repository.ts';
import { generateApiKey, isWellFormedKey, keyMatches, lookupPrefix } from './auth.keys.ts';
import { PASSWORD_LENGTH } from './auth.schemas.ts';
import { csrfTokenFor, isWellFormedSessionId, newSessionId, sessionIdHash } from './auth.sessions.ts';

export interface AuthServiceDeps {
  repository: AuthRepository;
  /** AUTH_MODE=header: these user names are trusted from X-User / ?user=. Empty in apikey mode. */
  trustedUserNames: readonly string[];
  /** How long a dashboard session lasts. */
  sessionTtlMs?: number;
  now?: () => number;
}

const WEEK_MS = 7 * 24 * 3_600_000;

function checkPassword(password: string): void {
  if (password.length < PASSWORD_LENGTH.min || password.length > PASSWORD_LENGTH.max) {
    throw new AppError('VALIDATION', `A password is ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters.`, [
      { field: 'password', message: `must be ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters` },
    ]);
  }
}

const USER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

const iso = (ms: number) => new Date(ms).toISOString();

const toPrincipal = (row: Pick<UserRow, 'id' | 'name' | 'is_admin'>): Principal => ({
  id: row.id,
  name: row.name,
  isAdmin: Boolean(row.is_admin),
});

export function createAuthService({ repository, trustedUserNames, sessionTtlMs = WEEK_MS, now = Date.now }: AuthServiceDeps): AuthService {
  const trusted = new Set(trustedUserNames);
  // Compared against when the user does not exist or has no password, so a miss takes as long as a wrong password.
  let noPassword: Promise<string> | undefined;
  const decoy = () => (noPassword ??= hashPassword('morphlink: nobody has this password'));

  async function verify(credential: Credential): Promise<Principal | null> {
    if ('session' in credential) {
      if (typeof credential.session !== 'string' || !isWellFormedSessionId(credential.session)) return null;
      const row = await repository.findSession(sessionIdHash(credential.session), now());
      return row ? toPrincipal(row) : null;
    }
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

  async function userNamed(name: string): Promise<Principal> {
    const user = await repository.findUserByName(name);
    if (!user) throw new AppError('USER_NOT_FOUND', `No user named ${name}.`);
    return toPrincipal(user);
  }

  async function insertUser(name: string, admin: boolean, password?: string): Promise<Principal> {
    if (!USER_NAME.test(name)) {
      throw new AppError('VALIDATION', 'A user name is 1 to 64 characters of letters, digits, _ . -', [
        { field: 'name', message: 'must match [A-Za-z0-9_.-]{1,64}' },
      ]);
    }
    if (password !== undefined) checkPassword(password);
    if (await repository.findUserByName(name)) throw new AppError('USER_EXISTS', `User ${name} already exists.`);
    const passwordHash = password === undefined ? null : await hashPassword(password);
    const row = { id: randomUUID(), name, is_admin: admin ? 1 : 0, created_at: now(), password_hash: passwordHash };
    await repository.insertUser(row);
    return toPrincipal(row);
  }

  /** Whose attempt this is, or null: every branch costs about one scrypt or one key hash, hit or miss. */
  async function signIn(attempt: LoginAttempt): Promise<Principal | null> {
    if ('password' in attempt) {
      const user = await repository.findUserByName(attempt.name);
      const matches = await verifyPassword(attempt.password, user?.password_hash ?? (await decoy()));
      return user?.password_hash && matches ? toPrincipal(user) : null;
    }
    if ('apiKey' in attempt) return verify({ apiKey: attempt.apiKey });
    return verify({ userName: attempt.user });
  }

  const port: AuthPort = { verify };
  return {
    ...port,
    async createUser(name, options = {}) {
      return issueKey(await insertUser(name, options.admin ?? false, options.password));
    },
    async setPassword(name, password) {
      if (password !== null) checkPassword(password);
      const user = await repository.findUserByName(name);
      const changed = user ? await repository.setPassword(user.id, password === null ? null : await hashPassword(password)) : 0;
      if (changed === 0) throw new AppError('USER_NOT_FOUND', `No user named ${name}.`);
    },
    async startSession(attempt) {
      const user = await signIn(attempt);
      if (!user) return null;
      const sessionId = newSessionId();
      const expiresAt = now() + sessionTtlMs;
      await repository.insertSession({ id_hash: sessionIdHash(sessionId), user_id: user.id, created_at: now(), expires_at: expiresAt });
      // Each sign-in is a moment to forget the sessions that ran out; there are few of them.
      await repository.deleteExpiredSessions(now());
      return { user, sessionId, csrfToken: csrfTokenFor(sessionId), expiresAt };
    },
    async endSession(sessionId) {
      if (isWellFormedSessionId(sessionId)) await repository.deleteSession(sessionIdHash(sessionId));
    },
    async ensureUsers(names) {
      for (const name of names) {
        if (!(await repository.findUserByName(name))) await insertUser(name, false);
      }
    },
    createKey: async (userName) => issueKey(await userNamed(userName)),
    userNamed,
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
      return rows.map((r) => ({
        name: r.name,
        isAdmin: Boolean(r.is_admin),
        hasPassword: r.password_hash !== null,
        createdAt: iso(r.created_at),
        activeKeys: Number(r.active_keys),
      }));
    },
    async deleteUser(name) {
      const user = await repository.findUserByName(name);
      if (!user || (await repository.deleteUser(user.id)) === 0) throw new AppError('USER_NOT_FOUND', `No user named ${name}.`);
    },
    countUsers: () => repository.countUsers(),
  };
}
