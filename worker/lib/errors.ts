import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

type ErrorText = { title: string; message: string };
/** What a person reads for each status we send on purpose; 500 is always there, as the fallback. */
export const ERROR_TEXT: Record<number, ErrorText> & Record<500, ErrorText> = {
  400: { title: 'That request did not make sense', message: 'Something in the address or form was not valid.' },
  401: { title: 'Please log in', message: 'You need to be signed in for that.' },
  403: {
    title: 'Not allowed',
    message: 'This request was refused. Forms must be sent from BLT-Next itself, by someone allowed to.',
  },
  404: { title: 'Page not found', message: 'There is nothing here. It may have moved, or it may be private.' },
  405: { title: 'Method not allowed', message: 'This address does not accept that kind of request.' },
  409: { title: 'Conflict', message: 'That clashes with something that changed meanwhile.' },
  410: { title: 'Link no longer valid', message: 'This link has been used, has expired or is not valid.' },
  413: { title: 'Too large', message: 'That was more than 64 KB. Please shorten it.' },
  415: {
    title: 'Unsupported format',
    message: 'Send forms as application/x-www-form-urlencoded or multipart/form-data.',
  },
  422: { title: 'Please check the form', message: 'Some fields need another look.' },
  429: { title: 'Too many attempts', message: 'Please wait a little and try again.' },
  500: { title: 'Something went wrong', message: 'The error was on our side and has been logged.' },
  503: { title: 'Temporarily unavailable', message: 'Please try again in a moment.' },
};

/**
 * The closed set of JSON error codes and the one place each is tied to its HTTP status.
 * Scripts branch on `error.code`; adding a code is an API change, so it happens here only.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

const CODE_OF_STATUS = new Map<number, ErrorCode>(
  Object.entries(ERROR_STATUS).map(([code, status]) => [status, code as ErrorCode]),
);

/** The code for a status some layer chose (HTTPException, fail()); unknown ones stay in the set. */
export function codeForStatus(status: number): ErrorCode {
  return CODE_OF_STATUS.get(status) ?? (status >= 500 ? 'internal_error' : 'bad_request');
}

/** Field messages of a JSON error, keyed by form field name. */
export type ErrorFields = Partial<Record<string, string>>;

/** `{"error":{"code","message","fields"?,"request_id"}}`: the only shape a JSON error has. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; fields?: ErrorFields; request_id: string };
}

/**
 * A JSON error a route wants to send, before it knows the request id. `respond()` turns it
 * into the body and status below, so a route's `json: () => apiError(…)` needs no status of its own.
 */
export class ApiError {
  constructor(
    readonly code: ErrorCode,
    readonly message: string = ERROR_TEXT[ERROR_STATUS[code]]?.message ?? 'Error.',
    readonly fields?: ErrorFields,
  ) {}
}

/** Shorthand for `new ApiError(…)`, for `json: () => apiError('validation_failed', …)`. */
export function apiError(code: ErrorCode, message?: string, fields?: ErrorFields): ApiError {
  return new ApiError(code, message, fields);
}

/** The JSON error response: body in the one shape, status from ERROR_STATUS, request id from the context. */
export function jsonError(c: Context, err: ApiError): Response {
  const body: ErrorBody = {
    error: {
      code: err.code,
      message: err.message,
      ...(err.fields && Object.keys(err.fields).length > 0 ? { fields: err.fields } : {}),
      request_id: c.var.requestId,
    },
  };
  return c.json(body, ERROR_STATUS[err.code]);
}

/** Throws a status the onError handler turns into a friendly page, fragment or JSON body. */
export function fail(
  status: 400 | 401 | 403 | 404 | 405 | 413 | 415 | 429 | 503,
  message?: string,
  headers?: HeadersInit,
): never {
  const res = headers ? new Response(null, { status, headers }) : undefined;
  throw new HTTPException(status, { message: message ?? ERROR_TEXT[status]?.message, res });
}
