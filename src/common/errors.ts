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

function statusToCode(status: number): ErrorCode {
  const match = Object.entries(errorStatus).find(([, s]) => s === status);
  return (match?.[0] as ErrorCode | undefined) ?? (status >= 500 ? 'UNAVAILABLE' : 'VALIDATION');
}
