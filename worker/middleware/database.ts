import type { MiddlewareHandler } from 'hono';
import { createDb } from '../db';
import { meteredD1, newD1Usage } from '../db/metered';
import type { AppEnv } from '../types';

/**
 * Puts a Kysely instance for this request's D1 binding on `c.var.db`, and what its queries cost
 * (rows read and written, D1 time) on `c.var.d1Usage` for the request's log line.
 */
export function database(): MiddlewareHandler<AppEnv> {
  return async function database(c, next) {
    const usage = newD1Usage();
    c.set('d1Usage', usage);
    c.set('db', createDb(meteredD1(c.env.DB, usage)));
    await next();
  };
}
