import type { Principal } from '../../common/principal.ts';

export type { Principal };

/** What a request presents: an API key, or (AUTH_MODE=header only) a trusted user name. */
export type Credential = { apiKey: string } | { userName: string };

/** The one thing other modules need from auth. */
export interface AuthPort {
  /** The principal behind a credential; null when unknown, revoked or not allowed. Never throws for bad input. */
  verify(credential: Credential): Promise<Principal | null>;
}

export interface ApiKeyInfo {
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface IssuedKey {
  user: Principal;
  apiKey: string;
  prefix: string;
}

/** Administration, used by the auth routes and the CLI inside the auth module's own process. */
export interface AuthService extends AuthPort {
  /** Creates a user and its first key. Throws USER_EXISTS, VALIDATION. */
  createUser(name: string, options?: { admin?: boolean }): Promise<IssuedKey>;
  /** Creates the users of AUTH_MODE=header that do not exist yet. */
  ensureUsers(names: readonly string[]): Promise<void>;
  /** Issues one more key for an existing user. Throws USER_NOT_FOUND. */
  createKey(userName: string): Promise<IssuedKey>;
  /** Revokes a key by its prefix, only among `owner`'s keys when given. Throws KEY_NOT_FOUND. */
  revokeKey(prefix: string, owner?: Principal): Promise<void>;
  listKeys(owner: Principal): Promise<ApiKeyInfo[]>;
  countUsers(): Promise<number>;
}
