import type { MiddlewareHandler } from 'hono';
import { createDb } from '../db';
import type { AppEnv } from '../types';

/** Puts a Kysely instance for this request's D1 binding on `c.var.db`. */
export function database(): MiddlewareHandler<AppEnv> {
  return async function database(c, next) {
    c.set('db', createDb(c.env.DB));
    await next();
  };
}
