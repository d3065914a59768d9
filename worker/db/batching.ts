/**
 * Read statements a request starts together go to D1 in one round trip (ARCHITECTURE.md "One
 * round trip per page").
 *
 * A D1 call from a Worker is a round trip to the database (or a replica): in `npm run bench` one
 * `SELECT 1` costs about as much as the rest of a request, and a batch of eight costs about the
 * same as one. So a page's independent reads are started together (`Promise.all`, or
 * middleware/session.ts's check beside the handler's first query) and this wrapper sends every
 * read `all()` begun before the next macrotask as one `batch()`.
 *
 * Only reads (`SELECT …` / `WITH …` without a write) are held back; writes go at once, unchanged,
 * so no write ever shares the all-or-nothing fate of a batch it did not ask for. A single held
 * read goes alone. If a batch fails, each of its reads is retried alone, so one bad statement
 * (say an FTS5 syntax error) rejects only its own caller.
 */

/** A statement this wrapper made, mapped to the one D1 made (for `batch()` of wrapped statements). */
const real = new WeakMap<object, D1PreparedStatement>();

const READ = /^\s*(?:select|with)\b/i;
const WRITES = /\b(?:insert|update|delete|replace|create|drop|alter|pragma)\b/i;

/** Whether a statement only reads, so it may share a batch with other reads. */
export function isRead(query: string): boolean {
  return READ.test(query) && !WRITES.test(query);
}

type Held = {
  stmt: D1PreparedStatement;
  resolve: (r: D1Result) => void;
  reject: (e: unknown) => void;
};

/**
 * The same binding or D1 session, with its reads gathered per macrotask (see above). Everything
 * but `prepare()` and `batch()` (a session's `getBookmark()`) passes through.
 */
export function batchedD1<T extends Pick<D1Database, 'prepare' | 'batch'>>(d1: T): T {
  let held: Held[] = [];

  async function flush() {
    const group = held;
    held = [];
    const [one] = group;
    if (one && group.length === 1) {
      one.stmt.all().then(one.resolve, one.reject);
      return;
    }
    try {
      const results = await d1.batch(group.map((h) => h.stmt));
      group.forEach((h, i) => {
        const result = results[i];
        if (result) h.resolve(result);
        else h.stmt.all().then(h.resolve, h.reject);
      });
    } catch {
      for (const h of group) h.stmt.all().then(h.resolve, h.reject);
    }
  }

  function hold(stmt: D1PreparedStatement): Promise<D1Result> {
    return new Promise((resolve, reject) => {
      if (held.length === 0) setTimeout(flush, 0);
      held.push({ stmt, resolve, reject });
    });
  }

  function wrap(stmt: D1PreparedStatement, read: boolean): D1PreparedStatement {
    const wrapped: D1PreparedStatement = new Proxy(stmt, {
      get(target, prop) {
        if (prop === 'bind') return (...values: unknown[]) => wrap(target.bind(...values), read);
        if (prop === 'all' && read) return () => hold(target);
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    real.set(wrapped, stmt);
    return wrapped;
  }

  return new Proxy(d1, {
    get(target, prop) {
      if (prop === 'prepare') return (query: string) => wrap(target.prepare(query), isRead(query));
      if (prop === 'batch') {
        return (statements: D1PreparedStatement[]) => target.batch(statements.map((s) => real.get(s) ?? s));
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
