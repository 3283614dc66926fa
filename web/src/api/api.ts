import { query, request } from './http.ts';

// The shapes of docs/API.md, as the dashboard reads them.

export interface User {
  id: string;
  name: string;
  isAdmin: boolean;
}

export interface Session {
  user: User;
  csrfToken: string;
}

export interface AuthOptions {
  authMode: 'apikey' | 'header';
  users: string[];
}

export type Credentials = { name: string; password: string } | { apiKey: string } | { user: string };

export type RedirectType = 301 | 302 | 307 | 308;

export interface Link {
  id: string;
  code: string;
  shortUrl: string;
  url: string;
  title: string | null;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  maxClicks: number | null;
  clicks: number;
  redirectType: RedirectType;
  hasPassword: boolean;
}

export interface LinkInput {
  url?: string;
  code?: string;
  title?: string | null;
  tags?: string[];
  expiresAt?: string | null;
  maxClicks?: number | null;
  password?: string | null;
  redirectType?: RedirectType;
}

export interface LinkPage {
  items: Link[];
  nextCursor: string | null;
}

export interface Count {
  value: string;
  count: number;
}

export type Interval = 'hour' | 'day';

/** One bar of the clicks chart: a bucket's start (ms since the epoch) and its clicks. */
export interface Point {
  t: number;
  count: number;
}

export interface LinkStats {
  code: string;
  total: number;
  unique: number;
  bots: number;
  series: { t: string; count: number }[];
  referrers: Count[];
  browsers: Count[];
  os: Count[];
  devices: Count[];
  countries: Count[];
}

export interface UserStats {
  user: string;
  links: number;
  clicks: number;
  top: { code: string; clicks: number }[];
}

export const auth = {
  options: () => request<AuthOptions>('GET', '/api/auth/options', { isAuthProbe: true }),
  session: () => request<Session>('GET', '/api/auth/session', { isAuthProbe: true }),
  login: (credentials: Credentials) => request<Session>('POST', '/api/auth/login', { body: credentials, isAuthProbe: true }),
  logout: () => request<void>('POST', '/api/auth/logout', { isAuthProbe: true }),
};

const linkPath = (code: string) => `/api/links/${encodeURIComponent(code)}`;

export const links = {
  list: (params: { limit: number; cursor?: string | null; q?: string; tag?: string }) => request<LinkPage>('GET', `/api/links${query(params)}`),
  get: (code: string) => request<Link>('GET', linkPath(code)),
  create: (input: LinkInput) => request<Link>('POST', '/api/links', { body: input }),
  update: (code: string, input: LinkInput) => request<Link>('PATCH', linkPath(code), { body: input }),
  remove: (code: string) => request<void>('DELETE', linkPath(code)),
  stats: (code: string, params: { from?: string; to?: string; interval: Interval }) =>
    request<LinkStats>('GET', `${linkPath(code)}/stats${query(params)}`),
  /** Same origin, so an <img> sends the session cookie. */
  qrUrl: (code: string, format: 'svg' | 'png', size?: number) => `${linkPath(code)}/qr${query({ format, size })}`,
};

export const stats = {
  mine: () => request<UserStats>('GET', '/api/stats'),
};
