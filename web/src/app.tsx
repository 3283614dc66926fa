import { useEffect, useState } from 'preact/hooks';
import { auth, type Session, type User } from './api/api.ts';
import { handleSessionLost, setCsrfToken } from './api/http.ts';
import { Layout } from './layout.tsx';
import { LinkPage } from './pages/link-page.tsx';
import { LinksPage } from './pages/links-page.tsx';
import { LoginPage } from './pages/login-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { OverviewPage } from './pages/overview-page.tsx';
import { SystemPage } from './pages/system-page.tsx';
import { currentPath, match, navigate, usePath } from './router.tsx';
import { SessionContext } from './session.ts';

/** Where to come back to after signing in, kept in `?next=`. */
function loginPath(): string {
  const here = currentPath();
  return here && here !== 'login' ? `login?next=${encodeURIComponent(here)}` : 'login';
}

function nextPath(): string {
  const next = new URLSearchParams(location.search).get('next') ?? '';
  // Only a path inside the app, never another origin.
  return /^[A-Za-z0-9/_-]*$/.test(next) ? next : '';
}

function routeFor(path: string, user: User) {
  if (path === '' || path === 'links') return <LinksPage />;
  const link = match('links/:code', path);
  if (link) return <LinkPage code={link.code!} />;
  if (path === 'overview') return <OverviewPage />;
  if (path === 'system') return <SystemPage isAdmin={user.isAdmin} />;
  if (path === 'login') return null;
  return <NotFoundPage />;
}

export function App() {
  const path = usePath();
  // undefined: still asking the server whether a session exists.
  const [user, setUser] = useState<User | null | undefined>(undefined);

  const signIn = (session: Session) => {
    setCsrfToken(session.csrfToken);
    setUser(session.user);
  };

  useEffect(() => {
    handleSessionLost(() => {
      setCsrfToken(null);
      setUser(null);
      navigate(loginPath(), { replace: true });
    });
    auth.session().then(signIn, () => setUser(null));
  }, []);

  useEffect(() => {
    if (user === null && path !== 'login') navigate(loginPath(), { replace: true });
    if (user && path === 'login') navigate(nextPath(), { replace: true });
  }, [user, path]);

  const signOut = async () => {
    try {
      await auth.logout();
    } finally {
      setCsrfToken(null);
      setUser(null);
      navigate('login');
    }
  };

  if (user === undefined) return <div class="boot" aria-busy="true" aria-label="Loading" />;
  if (user === null) return path === 'login' ? <LoginPage onSignedIn={signIn} /> : null;
  return (
    <SessionContext.Provider value={{ user, signOut }}>
      <Layout path={path}>{routeFor(path, user)}</Layout>
    </SessionContext.Provider>
  );
}
