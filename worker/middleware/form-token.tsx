import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { FormTokenContext, type FormTokenSource } from '../../views/components/form';
import { fail } from '../lib/errors';
import { sessionKey } from '../lib/session';
import type { AppEnv } from '../types';

/** The random half of the double submit: `__Host-` so no subdomain or http page can set it. */
export const FORM_COOKIE = '__Host-blt_form';
/** The signed half: a hidden field every POST form carries (views/components/form.tsx). */
export const FORM_FIELD = '_form';
/** A form page left open this long still posts; then the browser gets a fresh cookie. */
export const FORM_COOKIE_SECONDS = 30 * 24 * 60 * 60;

const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/; // 32 random bytes, base64url
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const SAME = new Set(['same-origin', 'none']);
const SAFE = new Set(['GET', 'HEAD']);

function base64url(bytes: ArrayBuffer | Uint8Array): string {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

const keys = new Map<string, Promise<CryptoKey>>();
function hmacKey(secret: string | undefined): Promise<CryptoKey> {
  const bytes = sessionKey(secret); // throws on a missing or weak JWT_SECRET, like sessions do
  const id = secret ?? ''; // never empty here: sessionKey refused a missing secret
  let key = keys.get(id);
  if (!key) {
    key = crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keys.set(id, key);
  }
  return key;
}

/** HMAC(JWT_SECRET, purpose ‖ cookie value): only this Worker can mint a field for a cookie. */
export async function formTokenFor(secret: string | undefined, cookieValue: string): Promise<string> {
  const mac = await crypto.subtle.sign(
    'HMAC',
    await hmacKey(secret),
    new TextEncoder().encode(`blt-next:form-token:${cookieValue}`),
  );
  return base64url(mac);
}

/** Length-independent comparison, so the time taken says nothing about how much matched. */
function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * Hands views the form token (`c.var.formToken`, read through `<FormToken/>`), and sets the
 * `__Host-blt_form` cookie on a GET response only when it rendered a form and the browser had no
 * valid cookie. Pages without forms never get a Set-Cookie, so they stay cacheable (app.tsx
 * does not run this on the public embeds at all). The token is not tied to the session: a form whose session expired still
 * reaches its handler, which can say so.
 */
export function formToken(): MiddlewareHandler<AppEnv> {
  return async function formToken(c, next) {
    const existing = getCookie(c, FORM_COOKIE);
    const value =
      existing && COOKIE_VALUE.test(existing) ? existing : base64url(crypto.getRandomValues(new Uint8Array(32)));
    const token = await formTokenFor(c.env.JWT_SECRET, value);
    let used = false;
    const source: FormTokenSource = {
      get value() {
        used = true;
        return token;
      },
    };
    c.set('formToken', source);
    await next();
    // Only pages fetched to be filled in issue the cookie. An unsafe request that shows a form
    // again either brought the cookie (no Origin) or came from a browser that sends Origin.
    if (used && value !== existing && SAFE.has(c.req.method)) {
      setCookie(c, FORM_COOKIE, value, {
        httpOnly: true,
        secure: true,
        sameSite: 'Lax',
        path: '/',
        maxAge: FORM_COOKIE_SECONDS,
      });
      // The page now carries this browser's token: no shared cache may keep it.
      c.header('Cache-Control', 'private, no-store');
    }
  };
}

/**
 * CSRF for unsafe methods, replacing Hono's csrf(): a browser that says where the request comes
 * from must say this origin (`Origin`, or `Sec-Fetch-Site: same-origin`/`none`); a foreign or
 * cross-site answer is refused whatever else the request carries. A client that sends neither
 * header (lynx, w3m, older browsers) must prove the form came from us: the `_form` field must be
 * the HMAC of its `__Host-blt_form` cookie (a cross-site page can neither read nor set that
 * cookie). Runs after the body limit, because that last case reads the form.
 */
export function sameOriginForms(): MiddlewareHandler<AppEnv> {
  return async function sameOriginForms(c, next) {
    if (!UNSAFE.has(c.req.method)) return next();
    // An API-token request carries no cookie the server reads (the token alone is checked, by
    // middleware/api-token.ts, and a bad one is 401): there is no ambient authority to forge.
    if (c.req.header('Authorization') !== undefined) return next();
    // `Origin: null` names no origin: browsers send it from pages with Referrer-Policy:
    // no-referrer (the mailed-link pages) as well as from sandboxed frames, so it counts as absent
    // and Sec-Fetch-Site or the form token decides.
    const stated = c.req.header('Origin');
    const origin = stated === 'null' ? undefined : stated;
    const site = c.req.header('Sec-Fetch-Site');
    if (origin !== undefined && origin !== new URL(c.req.url).origin) fail(403);
    if (site !== undefined && !SAME.has(site)) fail(403);
    if (origin !== undefined || site !== undefined) return next();

    const cookie = getCookie(c, FORM_COOKIE);
    const body = await c.req.parseBody();
    const sent = body[FORM_FIELD];
    if (!cookie || !COOKIE_VALUE.test(cookie) || typeof sent !== 'string') fail(403, EXPIRED);
    if (!constantTimeEqual(sent, await formTokenFor(c.env.JWT_SECRET, cookie))) fail(403, EXPIRED);
    return next();
  };
}

const EXPIRED =
  'This form could not be checked: it was not sent from BLT-Next, or it is too old. Go back, reload the page and send it again.';

/**
 * Gives the forms in `node` this request's form token. Full pages get it from the layout
 * renderer in app.tsx; every fragment sent with `c.html` goes through here (lib/respond.ts too).
 */
export function withFormToken(c: Context, node: JSX.Element): JSX.Element {
  return <FormTokenContext.Provider value={c.var.formToken ?? null}>{node}</FormTokenContext.Provider>;
}
