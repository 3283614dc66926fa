/** One field the server refused, as in problem+json `errors[]`. */
export interface FieldError {
  field: string;
  message: string;
}

/** An RFC 9457 problem, as every 4xx/5xx answer of the API carries (docs/API.md, "Errors"). */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: FieldError[];
}

export class ApiError extends Error {
  constructor(
    readonly problem: Problem,
    /** Seconds, from Retry-After on a 429. */
    readonly retryAfter: number | null = null,
  ) {
    super(problem.detail ?? problem.title);
  }

  get status(): number {
    return this.problem.status;
  }
}

// Kept in memory only: a page load reads it again from GET /api/auth/session.
let csrfToken: string | null = null;
let onSessionLost: () => void = () => {};

export const setCsrfToken = (token: string | null): void => {
  csrfToken = token;
};

/** Called when an API call answers 401: the session expired or was revoked. */
export const handleSessionLost = (handler: () => void): void => {
  onSessionLost = handler;
};

const formatWait = (seconds: number) => (seconds < 90 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`);

/** A human sentence for any failure: the problem's detail, with the wait on a 429. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  if (error.status === 429) {
    if (error.problem.detail) return error.problem.detail;
    const wait = error.retryAfter ? ` Try again in ${formatWait(error.retryAfter)}.` : ' Try again in a moment.';
    return `Too many requests.${wait}`;
  }
  return error.problem.detail ?? error.problem.title;
}

async function toApiError(response: Response): Promise<ApiError> {
  const retryAfter = Number(response.headers.get('retry-after')) || null;
  const fallback: Problem = { title: response.statusText || 'Error', status: response.status, detail: `The server answered ${response.status}.` };
  try {
    const body = (await response.json()) as Partial<Problem>;
    return new ApiError({ ...fallback, ...body, status: response.status }, retryAfter);
  } catch {
    return new ApiError(fallback, retryAfter);
  }
}

export interface RequestOptions {
  body?: unknown;
  /** Do not treat a 401 as a lost session (sign-in and the session probe). */
  isAuthProbe?: boolean;
}

/** Same-origin JSON request with the session cookie; state-changing methods carry the CSRF token. */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError({ title: 'Network error', status: 0, detail: 'Could not reach the server. Check your connection and try again.' });
  }
  if (!response.ok) {
    const error = await toApiError(response);
    if (response.status === 401 && !options.isAuthProbe) onSessionLost();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** A query string from the set values only. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== null && value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
