import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { except } from 'hono/combine';
import { HTTPException } from 'hono/http-exception';
import { jsxRenderer } from 'hono/jsx-renderer';
import { requestId } from 'hono/request-id';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { FormTokenContext } from '../views/components/form';
import { ErrorView } from '../views/errors';
import { Layout } from '../views/layout';
import { apiError, codeForStatus, ERROR_TEXT, fail } from './lib/errors';
import { respond } from './lib/respond';
import { personalResponses } from './middleware/cache';
import { database } from './middleware/database';
import { formToken, sameOriginForms } from './middleware/form-token';
import { observe } from './middleware/observe';
import { publicFragment } from './middleware/public';
import { formBodiesOnly, noReferrer, securityHeaders } from './middleware/security';
import { session } from './middleware/session';
import { sandboxedFiles, uploadBodyLimit } from './middleware/uploads';
import account from './routes/account';
import auth from './routes/auth';
import bugs from './routes/bugs';
import disclosure from './routes/disclosure';
import evidence from './routes/evidence';
import feeds, { FEED_PATHS } from './routes/feeds';
import leaderboard from './routes/leaderboard';
import notifications from './routes/notifications';
import ops from './routes/ops';
import outbox from './routes/outbox';
import owners from './routes/owners';
import scorecards, { BADGE_PATH } from './routes/scorecards';
import site from './routes/site';
import states from './routes/states';
import users from './routes/users';
import type { AppEnv } from './types';

/**
 * Fragments any site may embed with htmx; they never depend on who is asking. Each lists the
 * query parameters its route reads: the only ones its cache key holds.
 */
export const PUBLIC_FRAGMENTS = {
  '/api/leaderboard': ['month', 'limit', 'after'],
  '/api/stats': [],
  '/api/leaderboard/domains': ['limit'],
} as const satisfies Record<string, readonly string[]>;

/** Paths whose answers never read the session cookie, so they are the same for everyone. */
export const SESSION_FREE = [...Object.keys(PUBLIC_FRAGMENTS), '/embed/*', ...FEED_PATHS, BADGE_PATH];

/** Pages reached by a mailed link whose URL holds its token (routes/account.tsx). */
export const TOKEN_PAGES = ['/verify-email', '/reset-password'];

/** Request bodies larger than this are refused before anything reads them. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A report with screenshots may be this large (multipart only; worker/db/screenshots.ts has the per-file limits). */
export const MAX_UPLOAD_BYTES = 16 * 1024 * 1024;
/** The one route that takes files: the report form. */
export const UPLOAD_PATH = '/api/bugs';
/** Stored files, served sandboxed with caching of their own (routes/evidence.tsx). */
export const FILE_PATH = '/bugs/:id/screenshots/:key';

/**
 * The application. Middleware order matters: the request id and its log line (observe) first,
 * then headers so even errors carry them,
 * then the page renderer (error pages need it) and the form token its forms carry, the checks
 * that refuse a request (size, type, then CSRF, which may read the form), then data and routes.
 */
export function createApp() {
  const app = new Hono<AppEnv>();

  app.use(requestId());
  app.use(observe());
  for (const path of TOKEN_PAGES) app.use(path, noReferrer());
  app.use('/embed/*', securityHeaders({ frameable: true }));
  app.use(except(['/embed/*', FILE_PATH], securityHeaders()));
  app.use(FILE_PATH, sandboxedFiles());
  app.use(except([...SESSION_FREE, FILE_PATH], personalResponses()));
  app.use(async function signedOutUntilProven(c, next) {
    // Paths that skip the session and form-token middleware still see both as absent.
    c.set('user', null);
    c.set('formToken', null);
    await next();
  });
  app.use(
    jsxRenderer(
      ({ children, title, description, user, feed }, c) => (
        <FormTokenContext.Provider value={c.var.formToken ?? null}>
          <Layout title={title} description={description} user={user} feed={feed}>
            {children}
          </Layout>
        </FormTokenContext.Provider>
      ),
      { docType: true },
    ),
  );
  app.use(except(SESSION_FREE, formToken()));
  app.use(except(UPLOAD_PATH, bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => fail(413) })));
  app.use(UPLOAD_PATH, uploadBodyLimit({ uploadBytes: MAX_UPLOAD_BYTES, formBytes: MAX_BODY_BYTES }));
  app.use(formBodiesOnly());
  app.use(sameOriginForms());
  // Embeddable, cookie-free answers: CORS *, ETag, Cache API (before any D1 work).
  for (const [path, params] of Object.entries(PUBLIC_FRAGMENTS)) app.use(path, publicFragment({ params }));
  app.use(BADGE_PATH, publicFragment({ params: [], asset: true }));
  app.use(database());
  app.use(except(SESSION_FREE, session()));
  app.route('/', auth);
  app.route('/', account);
  app.route('/', outbox);
  app.route('/', bugs);
  app.route('/', evidence);
  app.route('/', states);
  app.route('/', site);
  app.route('/', leaderboard);
  app.route('/', users);
  app.route('/', ops);
  app.route('/', feeds);
  app.route('/', scorecards);
  app.route('/', disclosure);
  app.route('/', owners);
  app.route('/', notifications);

  app.notFound((c) => errorResponse(c, 404, ERROR_TEXT[404]?.message));
  app.onError(async (err, c) => {
    if (err instanceof HTTPException) {
      const res = await errorResponse(c, err.status, err.message || undefined);
      // Keep headers the thrower chose (Retry-After, Allow…), not its body or content type.
      err.res?.headers.forEach((v, k) => {
        if (!['content-type', 'content-length'].includes(k.toLowerCase())) res.headers.set(k, v);
      });
      return res;
    }
    // Logged once, by observe(), in this request's line with the id the 500 page shows.
    return errorResponse(c, 500);
  });

  return app;
}

/** The friendly error in whatever representation the request wanted; never internals. */
function errorResponse(c: Context<AppEnv>, status: number, message?: string) {
  const text = ERROR_TEXT[status] ?? ERROR_TEXT[500];
  const requestId = status >= 500 ? c.var.requestId : undefined;
  const body = { title: text.title, message: message ?? text.message, status, requestId };
  return respond(c, {
    status: status as ContentfulStatusCode,
    title: text.title,
    page: () => <ErrorView {...body} />,
    json: () => apiError(codeForStatus(status), body.message),
  });
}
