/**
 * D1 usage of one request or run, for its log line and metrics (ARCHITECTURE.md "Observability").
 * D1 reports rows read and written and its own duration in each result's `meta`; Kysely's D1
 * dialect drops that, so the binding is wrapped before Kysely sees it.
 */
export interface D1Usage {
  queries: number;
  /** Calls that went to D1: a batch of reads is one (db/batching.ts), however many queries it holds. */
  roundTrips: number;
  rowsRead: number;
  rowsWritten: number;
  /** D1's own time for the queries, in ms (meta.duration), not the Worker's wall clock. */
  ms: number;
}

export function newD1Usage(): D1Usage {
  return { queries: 0, roundTrips: 0, rowsRead: 0, rowsWritten: 0, ms: 0 };
}

function record(usage: D1Usage, meta: Partial<D1Meta> | undefined) {
  usage.queries += 1;
  usage.rowsRead += meta?.rows_read ?? 0;
  usage.rowsWritten += meta?.rows_written ?? 0;
  usage.ms += meta?.duration ?? 0;
}

/** The statement D1 made, behind a wrapper that records what `all()`/`run()` report. */
const real = new WeakMap<object, D1PreparedStatement>();

function meteredStatement(stmt: D1PreparedStatement, usage: D1Usage): D1PreparedStatement {
  const wrapped: D1PreparedStatement = new Proxy(stmt, {
    get(target, prop) {
      if (prop === 'bind') return (...values: unknown[]) => meteredStatement(target.bind(...values), usage);
      if (prop === 'all' || prop === 'run') {
        return async () => {
          usage.roundTrips += 1;
          const result = await target[prop]();
          record(usage, result.meta);
          return result;
        };
      }
      if (prop === 'first' || prop === 'raw') {
        return async (...args: unknown[]) => {
          usage.queries += 1; // these two carry no meta
          usage.roundTrips += 1;
          return (target[prop] as (...a: unknown[]) => unknown)(...args);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  real.set(wrapped, stmt);
  return wrapped;
}

/**
 * The same binding or D1 session, counting into `usage`; `batch()` takes wrapped statements and
 * unwraps them. Everything else (a session's getBookmark()) passes through.
 */
export function meteredD1<T extends D1Database | D1DatabaseSession>(d1: T, usage: D1Usage): T {
  return new Proxy(d1, {
    get(target, prop) {
      if (prop === 'prepare') return (query: string) => meteredStatement(target.prepare(query), usage);
      if (prop === 'batch') {
        return async (statements: D1PreparedStatement[]) => {
          usage.roundTrips += 1;
          const results = await target.batch(statements.map((s) => real.get(s) ?? s));
          for (const r of results) record(usage, r.meta);
          return results;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
