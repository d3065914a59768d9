import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { fail } from '../lib/errors';
import type { AppEnv } from '../types';

const MULTIPART = /^multipart\/form-data\b/i;

/** What a refused upload says (413, as a page, fragment or JSON). */
export const UPLOAD_TOO_LARGE =
  'That is more than we accept in one report: at most 5 screenshots, 5 MB each and 15 MB together. ' +
  'Nothing was saved; go back, choose fewer or smaller images and send the report again.';

/**
 * The body limit of a route that takes screenshots: a multipart body may be up to `uploadBytes`,
 * any other body keeps `formBytes`. Either way Hono's bodyLimit refuses it (413) from the
 * Content-Length before reading, or, without one, while counting the stream, so a body over the
 * limit is never read in full and memory stays bounded. Both limits are built once here.
 */
export function uploadBodyLimit(opts: { uploadBytes: number; formBytes: number }): MiddlewareHandler<AppEnv> {
  if (!(opts.uploadBytes > opts.formBytes && opts.formBytes > 0)) throw new Error('uploadBodyLimit: bad limits');
  const upload = bodyLimit({ maxSize: opts.uploadBytes, onError: () => fail(413, UPLOAD_TOO_LARGE) });
  const form = bodyLimit({ maxSize: opts.formBytes, onError: () => fail(413) });
  return async function uploadBodyLimit(c, next) {
    return MULTIPART.test(c.req.header('content-type') ?? '') ? upload(c, next) : form(c, next);
  };
}

/** The CSP of a stored file: no script, no plugin, no fetch, no form, even if opened as a page. */
export const FILE_CSP = "sandbox; default-src 'none'";

/**
 * Headers of user-supplied files (screenshots), in place of the page headers: the sandbox CSP,
 * nosniff (the browser must believe our sniffed Content-Type), no framing or cross-site
 * embedding. Caching is the route's choice (public or private, by the report); anything it did
 * not mark, errors included, is `private, no-store`.
 */
export function sandboxedFiles(): MiddlewareHandler<AppEnv> {
  return async function sandboxedFiles(c, next) {
    await next();
    const h = c.res.headers;
    h.set('Content-Security-Policy', FILE_CSP);
    h.set('X-Content-Type-Options', 'nosniff');
    h.set('X-Frame-Options', 'DENY');
    h.set('Cross-Origin-Resource-Policy', 'same-origin');
    h.set('Referrer-Policy', 'no-referrer');
    h.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    if (!h.has('Cache-Control')) {
      h.set('Cache-Control', 'private, no-store');
      h.set('Vary', 'Cookie');
    }
  };
}
