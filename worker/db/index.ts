import { type CompiledQuery, Kysely } from 'kysely';
import { D1Dialect } from 'kysely-d1';
import type { Database } from './schema';

export type DB = Kysely<Database>;

/** One Kysely per request: the dialect holds only the binding, so this costs nothing. */
export function createDb(d1: D1Database): DB {
  return new Kysely<Database>({ dialect: new D1Dialect({ database: d1 }) });
}

/**
 * D1 has no interactive transactions; atomic writes are one `batch()` of prepared statements.
 * Kysely still builds and parameterises each statement, and this turns it into D1's form.
 */
export function prepare(d1: D1Database, query: CompiledQuery): D1PreparedStatement {
  return d1.prepare(query.sql).bind(...query.parameters);
}

/** Current time in the same format the migrations use for DEFAULT timestamps. */
export function nowIso(): string {
  return new Date().toISOString();
}
