import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { User } from './api/api.ts';

export interface SessionValue {
  user: User;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<SessionValue | null>(null);

/** The signed-in user; only pages behind the sign-in use it. */
export function useSession(): SessionValue {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}
