import type { ComponentChildren, TargetedMouseEvent } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** '/dashboard/': the server answers index.html for every path under it. */
export const BASE = import.meta.env.BASE_URL;

const NAVIGATE = 'morphlink:navigate';

/** The path inside the app, without the base and slashes at either end: '', 'links/abc', 'login'. */
export function currentPath(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : '';
  return decodeURIComponent(path).replace(/^\/+|\/+$/g, '');
}

export const href = (path: string): string => BASE + path.replace(/^\//, '');

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  const url = href(path);
  if (options.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  dispatchEvent(new Event(NAVIGATE));
}

/** Re-renders on back/forward and on navigate(). */
export function usePath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    addEventListener('popstate', update);
    addEventListener(NAVIGATE, update);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener(NAVIGATE, update);
    };
  }, []);
  return path;
}

type AnchorProps = { to: string; children: ComponentChildren; class?: string; title?: string; 'aria-current'?: 'page' };

/** A real <a href>, so it opens in a new tab and reads as a link; a plain click stays in the app. */
export function Link({ to, children, ...props }: AnchorProps) {
  const onClick = (event: TargetedMouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a {...props} href={href(to)} onClick={onClick}>
      {children}
    </a>
  );
}

/** `links/:code` against `links/abc` → { code: 'abc' }; null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    if (part.startsWith(':')) params[part.slice(1)] = got[i]!;
    else if (part !== got[i]) return null;
  }
  return params;
}
