import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { createDb } from '../db';
import { log } from '../lib/log';
import { flushMetrics, recordRequest } from '../lib/metrics';
import { representationOf } from '../lib/negotiate';
import type { AppEnv } from '../types';

/**
 * The route pattern that answered (`/bugs/:id{[0-9]{1,15}}`), never the URL: paths and query
 * strings carry ids, search words and tokens. Middleware-only matches (404s, refusals before any
 * route) are `(none)`.
 */
export function routePattern(c: Context): string {
  const routes = matchedRoutes(c).filter((r) => r.method !== 'ALL');
  return routes.at(-1)?.path ?? '(none)';
}

/**
 * One structured log line and one metrics sample per request (ARCHITECTURE.md "Observability").
 * First in the chain but for the request id, so it sees every answer, errors and refusals
 * included. An unexpected exception is logged here, once, in the request's own line with the
 * request id the 500 page shows.
 */
export function observe(): MiddlewareHandler<AppEnv> {
  return async function observe(c, next) {
    const started = Date.now();
    await next();
    const durationMs = Date.now() - started;
    const usage = c.get('d1Usage') ?? null;
    const status = c.res.status;
    const error = status >= 500 && c.error ? c.error : undefined;
    const sample = {
      route: routePattern(c),
      method: c.req.method,
      status,
      representation: representationOf(c),
      durationMs,
      cache: c.res.headers.get('X-BLT-Cache'),
      d1: usage,
    };
    log({
      level: error ? 'error' : 'info',
      type: 'request',
      request_id: c.var.requestId,
      method: sample.method,
      route: sample.route,
      representation: sample.representation,
      status,
      duration_ms: durationMs,
      d1: usage && {
        queries: usage.queries,
        round_trips: usage.roundTrips,
        rows_read: usage.rowsRead,
        rows_written: usage.rowsWritten,
        ms: Math.round(usage.ms * 1000) / 1000,
      },
      cache: sample.cache,
      error: error && { name: error.name, message: error.message.slice(0, 300), stack: error.stack?.slice(0, 2000) },
    });
    recordRequest(c.env, sample);
    const flush = flushMetrics(c.env, c.get('db') ?? createDb(c.env.DB));
    try {
      c.executionCtx.waitUntil(flush);
    } catch {
      await flush; // no execution context (app.fetch called directly): finish before answering
    }
  };
}
