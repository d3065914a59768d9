import type { Context } from 'hono';
import type { JSX } from 'hono/jsx/jsx-runtime';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { withFormToken } from '../middleware/form-token';
import { ApiError, jsonError } from './errors';
import { representation } from './negotiate';

export interface Answer {
  title: string;
  description?: string;
  /** Main content of the full page (inside Layout). */
  page: () => JSX.Element;
  /** What htmx swaps in; defaults to the page content. */
  fragment?: () => JSX.Element;
  /** The same data for scripts; an `apiError(…)` is sent in the one error shape, with its code's status. */
  json: () => unknown;
  status?: ContentfulStatusCode;
}

/** Answers one URL in the representation the request asked for (see lib/negotiate.ts). */
export function respond(c: Context, a: Answer): Response | Promise<Response> {
  const status = a.status ?? 200;
  switch (representation(c)) {
    case 'json': {
      const body = a.json();
      return body instanceof ApiError ? jsonError(c, body) : c.json(body, status);
    }
    case 'fragment':
      return c.html(withFormToken(c, (a.fragment ?? a.page)()), status);
    default:
      c.status(status);
      return c.render(a.page(), { title: a.title, description: a.description, user: c.var.user });
  }
}
