import { type CompiledQuery, Kysely, type KyselyConfig, sql } from 'kysely';
import { D1Dialect } from 'kysely-d1';
import type { Database } from './schema';

/**
 * What the data functions need of D1: a database binding, or a D1 Sessions API session of it
 * (`env.DB.withSession(…)`, middleware/database.ts). Both have `prepare()` and `batch()`, the only
 * two calls Kysely's D1 dialect (kysely-d1 0.4: `database.prepare(sql).bind(…).all()`) and `batch()`
 * below make.
 */
export type D1Queryable = Pick<D1Database, 'prepare' | 'batch'>;

/**
 * Kysely on this request's D1, plus D1's `batch()`: D1 has no interactive transactions, so an
 * atomic write is one batch of statements Kysely built and parameterised. Carrying both in one
 * object means data functions take `db` alone, never `db` and the raw binding side by side.
 */
export class DB extends Kysely<Database> {
  readonly #d1: D1Queryable;

  constructor(d1: D1Queryable, log?: KyselyConfig['log']) {
    // kysely-d1 types its option as the whole binding but calls only prepare() (see D1Queryable).
    super({ dialect: new D1Dialect({ database: d1 as D1Database }), log });
    this.#d1 = d1;
  }

  /**
   * One read's first row, straight from D1 without Kysely's result pipeline: its promise settles
   * one step after D1 answers, before any Kysely query of the same batch (db/batching.ts) hands
   * its rows back. middleware/session.ts relies on that to refresh the header's counts first.
   */
  first<T>(query: CompiledQuery<T> | { compile(): CompiledQuery<T> }): Promise<T | undefined> {
    const q = 'compile' in query ? query.compile() : query;
    return this.#d1
      .prepare(q.sql)
      .bind(...q.parameters)
      .all<T>()
      .then((r) => r.results[0]);
  }

  /** Runs the compiled queries as one D1 batch: all of them or none. */
  batch<T = Record<string, unknown>>(queries: CompiledQuery[]): Promise<D1Result<T>[]> {
    return this.#d1.batch<T>(queries.map((q) => this.#d1.prepare(q.sql).bind(...q.parameters)));
  }
}

/** One DB per request: the dialect holds only the binding, so this costs nothing. */
export function createDb(d1: D1Queryable, log?: KyselyConfig['log']): DB {
  return new DB(d1, log);
}

/** One trivial query, for the health check: throws unless D1 answers as expected. */
export async function pingDb(db: DB): Promise<void> {
  const { rows } = await sql<{ ok: number }>`SELECT 1 AS ok`.execute(db);
  if (rows[0]?.ok !== 1) throw new Error('unexpected D1 answer');
}

/** The `period` of a calendar month in points and user_scores, e.g. "2026-11" (UTC). */
export function monthKey(at: Date | string = new Date()): string {
  return (typeof at === 'string' ? at : at.toISOString()).slice(0, 7);
}
