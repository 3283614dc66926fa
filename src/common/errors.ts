/** A problem+json code's fixed HTTP status and title: the status is never chosen at the throw site. */
export interface ErrorSpec {
  readonly status: number;
  readonly title: string;
}
export type ErrorTable = Readonly<Record<string, ErrorSpec>>;

/** The generic failures any module or the HTTP layer reports. Module codes live in `<m>.errors.ts`. */
const commonErrors = {
  VALIDATION: { status: 400, title: 'Invalid request' },
  UNAUTHORIZED: { status: 401, title: 'Unauthorized' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  REQUEST_TIMEOUT: { status: 408, title: 'Request timeout' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  URI_TOO_LONG: { status: 414, title: 'URI too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  HEADERS_TOO_LARGE: { status: 431, title: 'Request headers too large' },
  INTERNAL: { status: 500, title: 'Internal error' },
  UNAVAILABLE: { status: 503, title: 'Service unavailable' },
} as const satisfies ErrorTable;

/**
 * Each module adds its table here by declaration merging in its `<m>.errors.ts`
 * (`interface ModuleErrors { links: typeof linksErrors }`), so that
 * `new AppError('LINK_NOT_FOUND', …)` type-checks while common never imports a module.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ModuleErrors {}

type ModuleErrorCode = { [M in keyof ModuleErrors]: keyof ModuleErrors[M] & string }[keyof ModuleErrors];
export type ErrorCode = keyof typeof commonErrors | ModuleErrorCode;

// The one problem+json map: the generic codes, then each module's as its errors file is imported.
const table = new Map<string, ErrorSpec>(Object.entries(commonErrors));

/** Adds a module's codes to the map; called once at import by `<m>.errors.ts`. A code means one thing. */
export function registerErrors<const T extends ErrorTable>(errors: T): T {
  for (const [code, spec] of Object.entries(errors)) {
    const known = table.get(code);
    if (known && (known.status !== spec.status || known.title !== spec.title)) {
      throw new Error(`Error code ${code} is already registered as ${known.status} ${known.title}.`);
    }
    table.set(code, spec);
  }
  return errors;
}

/** Every registered code, for the OpenAPI Problem schema. */
export const errorCodes = (): ErrorCode[] => [...table.keys()] as ErrorCode[];

export const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && table.has(code);

export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    // An unregistered code is a bug at the throw site: answer 500 rather than guess.
    this.status = table.get(code)?.status ?? 500;
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
    title: table.get(error.code)?.title ?? 'Error',
    status: error.status,
    detail: error.message,
    code: error.code,
  };
  if (error.errors) problem.errors = error.errors;
  return problem;
}

export function fromProblem(body: unknown, status: number): AppError {
  const problem = (body ?? {}) as Partial<Problem>;
  const code = isErrorCode(problem.code) ? problem.code : statusToCode(status);
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
  // The generic codes come first in the map: a bare 404 from a peer is NOT_FOUND.
  const match = [...table].find(([, spec]) => spec.status === status);
  return (match?.[0] as ErrorCode | undefined) ?? (status >= 500 ? 'UNAVAILABLE' : 'VALIDATION');
}
