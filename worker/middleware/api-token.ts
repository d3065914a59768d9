import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { countApiRequest, findApiToken, LAST_USED_RESOLUTION_MS, touchApiToken } from '../db/api-tokens';
import { bearerToken, parseScopes } from '../lib/api-tokens';
import { fail } from '../lib/errors';
import { limitOf } from '../lib/limits';
import { scopeOf, specOf } from '../lib/openapi';
import { hashToken } from '../lib/tokens';
import type { AppEnv } from '../types';

/** The IETF RateLimit fields' policy name (draft-ietf-httpapi-ratelimit-headers-11). */
const POLICY = 'token';

/**
 * `Authorization: Bearer blt_…` for scripts and apps (README "Use the API"). With the header,
 * the token alone decides who is asking: a malformed, unknown or revoked token is 401 (never a
 * fall-back to the cookie, which the session middleware then does not read), the route must be
 * a documented operation (lib/openapi.ts) whose scope the token holds (else 403), and the
 * token's hourly budget is counted in D1 (429 past it). Every answer to an authenticated token
 * carries `RateLimit-Policy` and `RateLimit`; the answer is always JSON (lib/negotiate.ts).
 * Without the header it does nothing.
 */
export function apiToken(): MiddlewareHandler<AppEnv> {
  return async function apiToken(c, next) {
    const header = c.req.header('Authorization');
    if (header === undefined) return next();
    const challenge = { 'WWW-Authenticate': 'Bearer realm="BLT-Next", error="invalid_token"' };
    const token = bearerToken(header);
    if (!token) fail(401, 'Send Authorization: Bearer blt_… with a token made at /settings/tokens.', challenge);
    const found = await findApiToken(c.var.db, await hashToken(token));
    if (!found)
      fail(
        401,
        'This API token is not valid: it may have been revoked. Make a new one at /settings/tokens.',
        challenge,
      );
    c.set('user', found.user);

    const max = limitOf(c.env, 'RATE_API_PER_TOKEN');
    const quota = await countApiRequest(c.var.db, found.id, max);
    const rate = {
      'RateLimit-Policy': `"${POLICY}";q=${quota.limit};w=3600`,
      RateLimit: `"${POLICY}";r=${quota.remaining};t=${quota.reset}`,
    };
    if (!quota.ok) {
      fail(429, `This token has made ${max} requests this hour. Please wait for the next hour.`, {
        ...rate,
        'Retry-After': String(quota.reset),
      });
    }
    const spec = matchedRoutes(c)
      .map((r) => specOf(r.handler))
      .find((s) => s !== undefined);
    if (!spec || spec.tokens === false) {
      fail(403, 'API tokens cannot be used here: see /api/openapi.json for what they can do.', rate);
    }
    const scope = scopeOf(c.req.method, spec);
    if (!parseScopes(found.scopes).includes(scope)) fail(403, `This token does not have the "${scope}" scope.`, rate);

    const lastUsed = found.last_used_at ? Date.parse(found.last_used_at) : 0;
    if (Date.now() - lastUsed >= LAST_USED_RESOLUTION_MS) c.executionCtx.waitUntil(touchApiToken(c.var.db, found.id));
    await next();
    for (const [k, v] of Object.entries(rate)) c.res.headers.set(k, v);
  };
}
