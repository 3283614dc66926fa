export { authErrors } from './auth.errors.ts';
export type { AuthPort, AuthService, Credential, IssuedKey, Principal, UserInfo } from './auth.port.ts';
export { createAuthService } from './auth.service.ts';
export { createAuthRepository } from './auth.repository.ts';
export { authMigrations } from './auth.migrations.ts';
export { authRoutes } from './auth.routes.ts';
export { createAuthenticate } from './auth.guard.ts';
export { createAuthClient } from './auth.client.ts';
export { authInternalRoutes } from './auth.internal.ts';
export type { ApiKeyInfo } from './auth.port.ts';
export {
  ApiKeyInfoSchema,
  CreateUserBody,
  CredentialSchema,
  IssuedKeySchema,
  PrefixParams,
  PrincipalSchema,
  UserInfoSchema,
  VerdictSchema,
} from './auth.schemas.ts';
export { authModule, type AuthPeer } from './auth.module.ts';
