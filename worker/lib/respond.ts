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
  /** An Atom feed of this page's list, announced in the page's head. */
  feed?: { href: string; title: string } | undefined;
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
      return c.render(a.page(), { title: a.title, description: a.description, user: c.var.user, feed: a.feed });
  }
}

export interface Written {
  /** Where the browser goes next: a 303 without JS; with htmx an HX-Redirect unless `fragment` is given. */
  to: string;
  /** The result for scripts (may set headers such as Location on the context). */
  json: () => unknown;
  /** Status of the JSON answer; 200 unless given. */
  status?: ContentfulStatusCode;
  /** What htmx swaps in place instead of navigating (may set HX-* headers on the context). */
  fragment?: () => JSX.Element | Promise<JSX.Element>;
}

/**
 * The one ending of every successful write, so the three clients never drift apart: a browser
 * without JS gets 303 See Other (POST-redirect-GET), htmx gets its fragment or a full navigation
 * (HX-Redirect, so the header and every page see the new state), scripts get JSON. Only the
 * branch the request asked for runs, so a redirect reads nothing more from D1.
 */
export async function afterWrite(c: Context, w: Written): Promise<Response> {
  switch (representation(c)) {
    case 'page':
      return c.redirect(w.to, 303);
    case 'json':
      return c.json(await w.json(), w.status ?? 200);
    default:
      if (!w.fragment) {
        c.header('HX-Redirect', w.to);
        return c.body(null, 204);
      }
      return c.html(withFormToken(c, await w.fragment()));
  }
}
