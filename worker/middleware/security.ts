import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { fail } from '../lib/errors';
import type { AppEnv } from '../types';

/** The CSP of DESIGN.md; public/_headers repeats it for static files (a test compares them). */
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
 * Strict headers for every Worker response. `frameAncestors` is the one thing embed routes
 * change (to `*`), so it is a parameter rather than a second copy of the policy.
 */
export function securityHeaders(opts: { frameAncestors?: string[] } = {}): MiddlewareHandler<AppEnv> {
  const frameable = opts.frameAncestors !== undefined && !opts.frameAncestors.includes("'none'");
  return secureHeaders({
    contentSecurityPolicy: { ...CSP_DIRECTIVES, frameAncestors: opts.frameAncestors ?? CSP_DIRECTIVES.frameAncestors },
    xFrameOptions: frameable ? false : 'DENY',
    crossOriginResourcePolicy: frameable ? 'cross-origin' : 'same-origin',
    referrerPolicy: 'strict-origin-when-cross-origin',
    strictTransportSecurity: 'max-age=31536000; includeSubDomains',
    permissionsPolicy: { camera: [], microphone: [], geolocation: [], payment: [] },
  });
}

const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i;

/**
 * Unsafe methods take HTML-form bodies only: that is what our forms and documented scripts
 * send, and it keeps every write behind csrf()'s Origin / Sec-Fetch-Site check.
 */
export function formBodiesOnly(): MiddlewareHandler<AppEnv> {
  return async function formBodiesOnly(c, next) {
    const m = c.req.method;
    if (m !== 'GET' && m !== 'HEAD' && m !== 'OPTIONS' && !FORM_TYPES.test(c.req.header('content-type') ?? '')) {
      fail(415);
    }
    await next();
  };
}
