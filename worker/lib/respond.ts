import type { Context } from 'hono';
import { html } from 'hono/html';
import type { JSX } from 'hono/jsx/jsx-runtime';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { FragmentTitle } from '../../views/layout';
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
  /**
   * For an htmx request that navigates (the fragment stands for a page of its own): the URL
   * to push, sent as HX-Push-Url, with the page's `<title>` in the fragment so htmx updates
   * the document title too. Leave unset for fragments that are parts of a page.
   */
  pushUrl?: string | undefined;
}

/** Answers one URL in the representation the request asked for (see lib/negotiate.ts). */
export function respond(c: Context, a: Answer): Response | Promise<Response> {
  const status = a.status ?? 200;
  switch (representation(c)) {
    case 'json': {
      const body = a.json();
      return body instanceof ApiError ? jsonError(c, body) : c.json(body, status);
    }
    case 'fragment': {
      const body = withFormToken(c, (a.fragment ?? a.page)());
      if (a.pushUrl === undefined) return c.html(body, status);
      c.header('HX-Push-Url', a.pushUrl);
      return c.html(html`${FragmentTitle({ title: a.title })}${body}`, status);
    }
    default:
      c.status(status);
      return c.render(a.page(), { title: a.title, description: a.description, user: c.var.user });
  }
}
