import { LRUCache } from 'lru-cache';
import type { Static } from 'typebox';
import type { HttpClient } from '../../common/http/client.ts';
import type { AuthPort, Credential, Principal } from './auth.port.ts';
import { CREDENTIAL_LIMITS, type VerdictSchema } from './auth.schemas.ts';

/**
 * AuthPort over HTTP. Verdicts are cached briefly, so a burst of API calls costs one hop to the
 * auth service, not one per request; a revoked key or an ended session stops working within `ttlMs`.
 */
export function createAuthClient(http: HttpClient, { ttlMs = 5_000 }: { ttlMs?: number } = {}): AuthPort {
  const verdicts = new LRUCache<string, { principal: Principal | null }>({ max: 10_000, ttl: ttlMs });
  return {
    async verify(credential: Credential) {
      // What the route would refuse with a 400 names nobody: null, as the service answers (AuthPort never throws for bad input).
      const [kind, value, limit] =
        'apiKey' in credential ? ['k', credential.apiKey, CREDENTIAL_LIMITS.apiKey]
        : 'session' in credential ? ['s', credential.session, CREDENTIAL_LIMITS.session]
        : ['u', credential.userName, CREDENTIAL_LIMITS.userName];
      if (value.length > limit || value.includes('\u0000')) return null;
      const key = `${kind}:${value}`;
      const cached = verdicts.get(key);
      if (cached) return cached.principal;
      const { principal } = await http.call<Static<typeof VerdictSchema>>('POST', '/internal/auth/verify', { body: credential });
      verdicts.set(key, { principal });
      return principal;
    },
  };
}
