import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

type SecureHeadersOptions = NonNullable<Parameters<typeof secureHeaders>[0]>;

import { fail } from '../lib/errors';
import type { AppEnv } from '../types';

/** The CSP (ARCHITECTURE.md "Request flow"); public/_headers repeats it for static files (a test compares them). */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * Strict headers for every Worker response, built once here, not per request. With `frameable`
 * (app.tsx: only /embed/*, the iframe widget) the answer may be framed anywhere:
 * `frame-ancestors *` and no X-Frame-Options; everything else keeps `'none'` and DENY.
 */
export function securityHeaders(opts: { frameable?: boolean } = {}): MiddlewareHandler<AppEnv> {
  const base: SecureHeadersOptions = {
    referrerPolicy: 'strict-origin-when-cross-origin',
    strictTransportSecurity: 'max-age=31536000; includeSubDomains',
    permissionsPolicy: { camera: [], microphone: [], geolocation: [], payment: [] },
  };
  const headers = opts.frameable
    ? secureHeaders({
        ...base,
        contentSecurityPolicy: { ...CSP_DIRECTIVES, frameAncestors: ['*'] },
        xFrameOptions: false,
        crossOriginResourcePolicy: 'cross-origin',
      })
    : secureHeaders({ ...base, contentSecurityPolicy: CSP_DIRECTIVES, xFrameOptions: 'DENY' });
  return async function securityHeaders(c, next) {
    return headers(c, next);
  };
}

const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i;

const JSON_TYPE = /^application\/json\b/i;

/**
 * Unsafe methods take HTML-form bodies only: that is what our forms send, and it keeps every
 * cookie write behind the same-origin check. A request with `Authorization` (an API token,
 * checked by middleware/api-token.ts) may also send JSON, or no body at all.
 */
export function formBodiesOnly(): MiddlewareHandler<AppEnv> {
  return async function formBodiesOnly(c, next) {
    const m = c.req.method;
    const type = c.req.header('content-type');
    if (m !== 'GET' && m !== 'HEAD' && m !== 'OPTIONS' && !FORM_TYPES.test(type ?? '')) {
      const bearer = c.req.header('Authorization') !== undefined;
      if (!bearer || (type !== undefined && !JSON_TYPE.test(type))) fail(415);
    }
    await next();
  };
}

/**
 * For pages whose URL carries a mailed link token (/verify-email, /reset-password): no Referer
 * may take the token to another site. Registered before securityHeaders() so it runs after it
 * on the way out and its Referrer-Policy is the one sent.
 */
export function noReferrer(): MiddlewareHandler<AppEnv> {
  return async function noReferrer(c, next) {
    await next();
    c.res.headers.set('Referrer-Policy', 'no-referrer');
  };
}
