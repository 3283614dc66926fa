export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response says it is JSON, otherwise the text. */
  body: T;
  text: string;
  bytes: Buffer;
}

export interface SendOptions {
  headers?: Record<string, string>;
  json?: unknown;
  /** Sent as is, for malformed or non-JSON bodies. */
  raw?: string;
}

/** What the client saw of one exchange: the OpenAPI check compares these with the documented statuses. */
export interface Exchange {
  baseUrl: string;
  method: string;
  path: string;
  status: number;
}

const observers = new Set<(exchange: Exchange) => void>();

/** Calls `observer` after every exchange any client of this process makes; returns how to stop. */
export function observeExchanges(observer: (exchange: Exchange) => void): () => void {
  observers.add(observer);
  return () => void observers.delete(observer);
}

/** One HTTP exchange; redirects are never followed, since they are what we test. */
export async function send<T = unknown>(baseUrl: string, method: string, path: string, opts: SendOptions = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined = opts.raw;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(baseUrl + path, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
  for (const observe of observers) observe({ baseUrl, method, path, status: res.status });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  return { status: res.status, headers: res.headers, body: parse(res.headers.get('content-type'), text) as T, text, bytes };
}

function parse(contentType: string | null, text: string): unknown {
  if (!contentType || !/json/i.test(contentType) || text === '') return text;
  try {
    return JSON.parse(text);
  } catch {
    // Left as text so the assertion that follows shows what the server actually sent.
    return text;
  }
}

export interface Client {
  get<T = unknown>(path: string, headers?: Record<string, string>): Promise<Reply<T>>;
  post<T = unknown>(path: string, json: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
  patch<T = unknown>(path: string, json: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
  delete<T = unknown>(path: string, headers?: Record<string, string>): Promise<Reply<T>>;
  send<T = unknown>(method: string, path: string, opts?: SendOptions): Promise<Reply<T>>;
}

/** A client for the JSON API, authenticated with `key` as a bearer token (or anonymous). */
export function api(target: { baseUrl: string }, key?: string): Client {
  const auth: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  const call = <T>(method: string, path: string, opts: SendOptions = {}) =>
    send<T>(target.baseUrl, method, path, { ...opts, headers: { ...auth, ...opts.headers } });
  return {
    get: (path, headers) => call('GET', path, { headers }),
    post: (path, json, headers) => call('POST', path, { json, headers }),
    patch: (path, json, headers) => call('PATCH', path, { json, headers }),
    delete: (path, headers) => call('DELETE', path, { headers }),
    send: (method, path, opts) => call(method, path, opts),
  };
}

export const CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
export const GOOGLEBOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

export interface VisitOptions {
  method?: 'GET' | 'HEAD' | 'POST';
  accept?: string;
  userAgent?: string;
  referrer?: string;
  form?: Record<string, string>;
  json?: unknown;
  /** More request headers, e.g. what a proxy in front adds (X-Forwarded-For, CF-IPCountry). */
  headers?: Record<string, string>;
}

/** A visitor following a short URL: no credentials, a browser user agent unless told otherwise. */
export function visit(target: { baseUrl: string }, path: string, opts: VisitOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'user-agent': opts.userAgent ?? CHROME_UA, ...opts.headers };
  if (opts.accept) headers.accept = opts.accept;
  if (opts.referrer) headers.referer = opts.referrer;
  let raw: string | undefined;
  if (opts.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    raw = new URLSearchParams(opts.form).toString();
  }
  return send(target.baseUrl, opts.method ?? 'GET', path, { headers, raw, json: opts.json });
}
