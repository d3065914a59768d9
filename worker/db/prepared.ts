import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import type { DB } from './index';
import type { Database } from './schema';

/** What a prepared read may take: values that become SQL parameters. */
export type Arg = string | number;

/** A stand-in for argument `i` while the query is built once: unique, and never valid data. */
const mark = (i: number) => `\u0000blt-arg-${i}\u0000`;

/**
 * A read whose SQL is the same whatever its arguments, built and compiled by Kysely once per
 * isolate instead of at every call: building and compiling the bug page's queries was about a fifth
 * of its Worker CPU, many times what SQLite spends answering them (ARCHITECTURE.md "One round
 * trip per page").
 *
 * `build` is called once, with a marker in place of each argument, and must use every argument
 * only as a value (it becomes a parameter), never to choose the query's shape: a query whose shape
 * depends on an argument gets one prepared read per shape. The first call checks what it can: each
 * marker must come back as a parameter, and none may appear in the SQL text.
 */
export function prepared<A extends Arg[], O>(
  build: (db: DB, ...args: A) => Compilable<O>,
): (db: DB, ...args: A) => CompiledQuery<O> {
  let sql: string | undefined;
  /** Per parameter: the argument it takes (a number) or the constant Kysely put there. */
  let slots: ({ arg: number } | { value: unknown })[] = [];
  return function preparedRead(db, ...args) {
    if (sql === undefined) {
      const marks = args.map((_, i) => mark(i));
      // The markers are strings standing in for the arguments: only their identity matters here.
      const compiled = build(db, ...(marks as A)).compile();
      slots = compiled.parameters.map((p) => {
        const arg = typeof p === 'string' ? marks.indexOf(p) : -1;
        return arg >= 0 ? { arg } : { value: p };
      });
      const used = new Set(slots.flatMap((s) => ('arg' in s ? [s.arg] : [])));
      if (marks.some((m, i) => compiled.sql.includes(m) || !used.has(i))) {
        throw new Error('prepared: every argument must be used as a query parameter, and only as one');
      }
      sql = compiled.sql;
    }
    const parameters = slots.map((s) => ('arg' in s ? args[s.arg] : s.value));
    return CompiledQuery.raw(sql, parameters) as CompiledQuery<O>;
  };
}

/** Runs a prepared read: its rows. */
export async function rowsOf<O>(db: Kysely<Database>, query: CompiledQuery<O>): Promise<O[]> {
  return (await db.executeQuery(query)).rows;
}

/** Runs a prepared read: its first row, if any. */
export async function firstOf<O>(db: Kysely<Database>, query: CompiledQuery<O>): Promise<O | undefined> {
  return (await db.executeQuery(query)).rows[0];
}

/** Who reads: worker/db/bugs.ts `Viewer` (null is anonymous). */
type Reader = { id: number; role: 'user' | 'admin' } | null;

/**
 * A prepared read whose shape depends only on the kind of viewer (db/bugs.ts `visibleTo`:
 * anonymous, a signed-in user, an admin): one prepared read per kind, the user's id a parameter.
 * `build` may use the viewer only through its kind and id.
 */
export function preparedPerViewer<A extends Arg[], O>(
  build: (db: DB, viewer: Reader, ...args: A) => Compilable<O>,
): (db: DB, viewer: Reader, ...args: A) => CompiledQuery<O> {
  const anonymous = prepared((db, ...args: A) => build(db, null, ...args));
  // An admin sees everything: visibleTo never reads an admin's id, so no id goes in.
  const admin = prepared((db, ...args: A) => build(db, { id: 0, role: 'admin' }, ...args));
  const user = prepared((db, id: number, ...args: A) => build(db, { id, role: 'user' }, ...args));
  return function preparedForViewer(db, viewer, ...args) {
    if (viewer === null) return anonymous(db, ...args);
    if (viewer.role === 'admin') return admin(db, ...args);
    return user(db, viewer.id, ...args);
  };
}

/**
 * Prepared reads for a query with a few shapes (which filters are set, not their values): one
 * prepared read per `key(shape)`, built on first use. `build` may use the shape to choose SQL and
 * the arguments only as values; `key` must tell apart every shape that builds different SQL.
 */
export function preparedPerShape<S, A extends Arg[], O>(
  key: (shape: S) => string,
  build: (db: DB, shape: S, ...args: A) => Compilable<O>,
): (db: DB, shape: S, ...args: A) => CompiledQuery<O> {
  const reads = new Map<string, (db: DB, ...args: A) => CompiledQuery<O>>();
  return function preparedForShape(db, shape, ...args) {
    const k = key(shape);
    let read = reads.get(k);
    if (!read) {
      read = prepared((d: DB, ...a: A) => build(d, shape, ...a));
      reads.set(k, read);
    }
    return read(db, ...args);
  };
}
