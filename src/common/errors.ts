/** Every failure a port can report. The HTTP status is derived, never chosen at the throw site. */
export const errorStatus = {
  VALIDATION: 400,
  INVALID_URL: 400,
  INVALID_CODE: 400,
  UNAUTHORIZED: 401,
  WRONG_PASSWORD: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  LINK_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  KEY_NOT_FOUND: 404,
  CODE_TAKEN: 409,
  USER_EXISTS: 409,
  LINK_GONE: 410,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface FieldError {
  field: string;
  message: string;
}

const titles: Partial<Record<ErrorCode, string>> = {
  VALIDATION: 'Invalid request',
  INVALID_URL: 'Invalid URL',
  INVALID_CODE: 'Invalid short code',
  UNAUTHORIZED: 'Unauthorized',
  WRONG_PASSWORD: 'Wrong password',
  FORBIDDEN: 'Forbidden',
  CODE_TAKEN: 'Short code taken',
  LINK_GONE: 'Link no longer available',
  REQUEST_TIMEOUT: 'Request timeout',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  URI_TOO_LONG: 'URI too long',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  RATE_LIMITED: 'Too many requests',
  HEADERS_TOO_LARGE: 'Request headers too large',
  UNAVAILABLE: 'Service unavailable',
  INTERNAL: 'Internal error',
};

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.status = errorStatus[code];
  }
}

/** RFC 9457 body. `code` lets an HTTP client turn it back into the same AppError. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
}

export function toProblem(error: AppError): Problem {
  const problem: Problem = {
    type: `https://morphlink.dev/problems/${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: titles[error.code] ?? (error.status === 404 ? 'Not found' : 'Error'),
    status: error.status,
    detail: error.message,
    code: error.code,
  };
  if (error.errors) problem.errors = error.errors;
  return problem;
}

export function fromProblem(body: unknown, status: number): AppError {
  const problem = (body ?? {}) as Partial<Problem>;
  const code = problem.code && problem.code in errorStatus ? problem.code : statusToCode(status);
  return new AppError(code, problem.detail ?? `Upstream answered ${status}`, problem.errors);
}

/** SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57 operator intervention (57014 statement timeout, 57P01 terminated). */
const TRANSIENT_SQLSTATE = /^(08|53|57)/;
const TRANSIENT_CODES = new Set([
  '40001', '40P01', '55P03',
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
]);
/** pg's own client-side failures carry no code, only these messages. */
const TRANSIENT_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|connection has been discarded/i;

/**
 * True when a database failure is worth retrying later rather than a bug: a lock held elsewhere
 * (SQLITE_BUSY after the retries), a timeout, a dropped or refused connection. These answer 503.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = String((error as { code?: unknown }).code ?? '');
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return true;
  if (TRANSIENT_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && TRANSIENT_SQLSTATE.test(code))) return true;
  return code === '' && TRANSIENT_MESSAGES.test(error.message);
}

function statusToCode(status: number): ErrorCode {
  const match = Object.entries(errorStatus).find(([, s]) => s === status);
  return (match?.[0] as ErrorCode | undefined) ?? (status >= 500 ? 'UNAVAILABLE' : 'VALIDATION');
}
