import type { Static } from 'typebox';
import type { Principal } from '../../common/principal.ts';
import type { ApiKeyInfoSchema, CredentialSchema, LoginBody, UserInfoSchema } from './auth.schemas.ts';

export type { Principal };

/** What a request presents: an API key, a dashboard session's id, or (AUTH_MODE=header only) a trusted user name. */
export type Credential = Static<typeof CredentialSchema>;
export type ApiKeyInfo = Static<typeof ApiKeyInfoSchema>;
export type UserInfo = Static<typeof UserInfoSchema>;
/** What a sign-in presents: a password, an API key, or (AUTH_MODE=header only) a trusted name. */
export type LoginAttempt = Static<typeof LoginBody>;

/** A dashboard session, as it is started: the id goes into the cookie and is never stored. */
export interface StartedSession {
  user: Principal;
  sessionId: string;
  csrfToken: string;
  expiresAt: number;
}

/** The one thing other modules need from auth. */
export interface AuthPort {
  /** The principal behind a credential; null when unknown, revoked or not allowed. Never throws for bad input. */
  verify(credential: Credential): Promise<Principal | null>;
}

/** A new key inside the process (the HTTP answer is IssuedKeySchema, the user by name). */
export interface IssuedKey {
  user: Principal;
  apiKey: string;
  prefix: string;
}

/** Administration, used by the auth routes and the CLI inside the auth module's own process. */
export interface AuthService extends AuthPort {
  /** Creates a user and its first key, with a dashboard password when given. Throws USER_EXISTS, VALIDATION. */
  createUser(name: string, options?: { admin?: boolean; password?: string }): Promise<IssuedKey>;
  /** Sets (or with null removes) a user's dashboard password. Throws USER_NOT_FOUND, VALIDATION. */
  setPassword(name: string, password: string | null): Promise<void>;
  /** A new session for a good password, key or trusted name; null otherwise (never says which part was wrong). */
  startSession(attempt: LoginAttempt): Promise<StartedSession | null>;
  /** Ends a session; an unknown one is already ended. */
  endSession(sessionId: string): Promise<void>;
  /** Creates the users of AUTH_MODE=header that do not exist yet. */
  ensureUsers(names: readonly string[]): Promise<void>;
  /** Issues one more key for an existing user. Throws USER_NOT_FOUND. */
  createKey(userName: string): Promise<IssuedKey>;
  /** The principal of a user, for the command line acting on its behalf (import, export). Throws USER_NOT_FOUND. */
  userNamed(name: string): Promise<Principal>;
  /** Revokes a key by its prefix, only among `owner`'s keys when given. Throws KEY_NOT_FOUND. */
  revokeKey(prefix: string, owner?: Principal): Promise<void>;
  listKeys(owner: Principal): Promise<ApiKeyInfo[]>;
  /** Every key with its user's name, or only `userName`'s. Throws USER_NOT_FOUND. */
  listAllKeys(userName?: string): Promise<(ApiKeyInfo & { user: string })[]>;
  /** Every user, by name, with its count of active keys. */
  listUsers(): Promise<UserInfo[]>;
  /** Deletes a user and all its keys (its links stay, owned by a name no key can reach). Throws USER_NOT_FOUND. */
  deleteUser(name: string): Promise<void>;
  countUsers(): Promise<number>;
}
