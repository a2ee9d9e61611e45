/** Error codes of the HTTP layer that have no counterpart in the core's `SefErrorCode`. */
export type HttpErrorCode = 'UNAUTHORIZED' | 'FORBIDDEN' | 'RATE_LIMITED' | 'PAYLOAD_TOO_LARGE' | 'NOT_FOUND' | 'BAD_REQUEST' | 'UNSUPPORTED_MEDIA_TYPE';

/** A problem detail, as listed in `error.details`. */
export interface ErrorDetail {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

/** An error the HTTP layer raises itself (auth, rate limit), rendered like every other error. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: HttpErrorCode;
  readonly details: readonly ErrorDetail[];
  /** Response headers that go with the error (`retry-after`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(statusCode: number, code: HttpErrorCode, message: string, details: readonly ErrorDetail[] = [], headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.headers = headers;
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.details = details;
  }
}

/** The body of every error response (API.md). */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details: readonly ErrorDetail[] };
}

export const errorBody = (code: string, message: string, details: readonly ErrorDetail[] = []): ErrorBody => ({
  error: { code, message, details },
});
