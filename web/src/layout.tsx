import type { ComponentChildren } from 'preact';
import { Link } from './router.tsx';
import { useSession } from './session.ts';

function NavLink({ to, current, children }: { to: string; current: boolean; children: ComponentChildren }) {
  return (
    <Link to={to} class="nav-link" aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

/** The header every signed-in page shares: where you are, who you are, the way out. */
export function Layout({ path, children }: { path: string; children: ComponentChildren }) {
  const { user, signOut } = useSession();
  const section = path.split('/')[0] ?? '';
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="top-inner">
          <Link to="" class="brand">
            MorphLink
          </Link>
          <nav aria-label="Main">
            <NavLink to="links" current={section === '' || section === 'links'}>
              Links
            </NavLink>
            <NavLink to="overview" current={section === 'overview'}>
              Overview
            </NavLink>
            {user.isAdmin && (
              <NavLink to="system" current={section === 'system'}>
                System
              </NavLink>
            )}
          </nav>
          <div class="who">
            <span class="user-name" title="Signed in as">
              {user.name}
              {user.isAdmin && <span class="badge">admin</span>}
            </span>
            <button type="button" class="button-small" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" class="main">
        {children}
      </main>
    </>
  );
}
