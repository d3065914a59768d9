import { HTTPException } from 'hono/http-exception';

/** What a person reads for each status we send on purpose. */
export const ERROR_TEXT: Record<number, { title: string; message: string }> = {
  400: { title: 'That request did not make sense', message: 'Something in the address or form was not valid.' },
  401: { title: 'Please log in', message: 'You need to be signed in for that.' },
  403: {
    title: 'Not allowed',
    message: 'This request was refused. Forms must be sent from BLT-Next itself, by someone allowed to.',
  },
  404: { title: 'Page not found', message: 'There is nothing here. It may have moved, or it may be private.' },
  405: { title: 'Method not allowed', message: 'This address does not accept that kind of request.' },
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

/** Throws a status the onError handler turns into a friendly page, fragment or JSON body. */
export function fail(
  status: 400 | 401 | 403 | 404 | 405 | 413 | 415 | 429 | 503,
  message?: string,
  headers?: HeadersInit,
): never {
  const res = headers ? new Response(null, { status, headers }) : undefined;
  throw new HTTPException(status, { message: message ?? ERROR_TEXT[status]?.message, res });
}
