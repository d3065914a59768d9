import { sql } from 'kysely';
import type { DB } from '../db';
import type { Env } from '../types';
import { log } from './log';

/**
 * Metrics go two ways (ARCHITECTURE.md "Observability"): every data point to Workers Analytics
 * Engine (the METRICS binding; queried with its SQL API in production), and the same numbers as
 * hourly totals in D1 (`metrics_hourly`), because Analytics Engine cannot be read back locally
 * and /admin/metrics should need no dashboard elsewhere.
 *
 * D1 totals are summed in memory per isolate and flushed at most every METRICS_FLUSH_SECONDS
 * (default 30) in one batch after the response (waitUntil), so a request costs no extra D1
 * write. What an isolate holds when it is evicted is lost: the D1 totals are a floor, Analytics
 * Engine has every point.
 */

/** Things that happen, counted per hour. */
export type EventName = 'report_filed' | 'signup' | 'mail_sent' | 'mail_failed' | 'mail_dead';

/** Upper bounds (ms) of the latency buckets; the last bucket is everything slower. */
export const LATENCY_BUCKETS = [25, 50, 100, 200, 500, 1000] as const;

type Totals = { count: number; total: number };
let pending = new Map<string, Totals>();
let lastFlush = 0;

const hourOf = (at: Date) => at.toISOString().slice(0, 13); // 2026-11-27T13

function add(hour: string, metric: string, label: string, count: number, total: number) {
  const key = `${hour}\u0000${metric}\u0000${label}`;
  const t = pending.get(key);
  if (t) {
    t.count += count;
    t.total += total;
  } else pending.set(key, { count, total });
}

export function latencyBucket(ms: number): string {
  const b = LATENCY_BUCKETS.find((le) => ms <= le);
  return b === undefined ? '+Inf' : String(b);
}

export type RequestSample = {
  route: string;
  method: string;
  status: number;
  representation: string;
  durationMs: number;
  cache: string | null;
  d1: { queries: number; rowsRead: number; rowsWritten: number; ms: number } | null;
};

/** One request: to Analytics Engine now, to the hourly totals in memory. */
export function recordRequest(env: Env, sample: RequestSample, at = new Date()): void {
  env.METRICS?.writeDataPoint({
    indexes: [sample.route.slice(0, 96)],
    blobs: ['request', sample.route, sample.method, String(sample.status), sample.representation, sample.cache ?? ''],
    doubles: [
      sample.durationMs,
      sample.d1?.ms ?? 0,
      sample.d1?.rowsRead ?? 0,
      sample.d1?.rowsWritten ?? 0,
      sample.d1?.queries ?? 0,
    ],
  });
  const hour = hourOf(at);
  const label = `${sample.method} ${sample.route}`;
  add(hour, 'request', `${sample.status} ${label}`, 1, sample.durationMs);
  add(hour, 'latency_le', latencyBucket(sample.durationMs), 1, sample.durationMs);
  if (sample.d1) {
    add(hour, 'd1_ms', label, sample.d1.queries, sample.d1.ms);
    add(hour, 'd1_rows_read', label, 1, sample.d1.rowsRead);
    add(hour, 'd1_rows_written', label, 1, sample.d1.rowsWritten);
  }
  if (sample.cache) add(hour, 'fragment_cache', sample.cache.toLowerCase(), 1, 0);
}

/** Something that happened (a report, a sign-up, a mail), counted by name. */
export function recordEvent(env: Env, name: EventName, count = 1, at = new Date()): void {
  env.METRICS?.writeDataPoint({ indexes: [name], blobs: ['event', name], doubles: [count] });
  add(hourOf(at), 'event', name, count, 0);
}

/** Hourly totals older than this are deleted when a flush starts a new hour. */
export const RETAIN_HOURS = 14 * 24;

/**
 * Writes the totals gathered so far, if the last flush is older than the interval: one upsert
 * per (hour, metric, label) in one batch (`force` for queue and cron runs, which end the isolate's
 * work). Call through waitUntil; never throws (metrics must not
 * break the request that carried them).
 */
export async function flushMetrics(env: Env, db: DB, opts: { now?: number; force?: boolean } = {}): Promise<void> {
  const now = opts.now ?? Date.now();
  const every = Number(env.METRICS_FLUSH_SECONDS ?? 30) * 1000;
  if (pending.size === 0 || (!opts.force && now - lastFlush < every)) return;
  const batch = pending;
  pending = new Map();
  const previous = lastFlush;
  lastFlush = now;
  const queries = [...batch].map(([key, t]) => {
    const [hour = '', metric = '', label = ''] = key.split('\u0000');
    return db
      .insertInto('metrics_hourly')
      .values({ hour, metric, label, count: t.count, total: t.total })
      .onConflict((oc) =>
        oc.columns(['hour', 'metric', 'label']).doUpdateSet({
          count: (eb) => eb('metrics_hourly.count', '+', eb.ref('excluded.count')),
          total: (eb) => eb('metrics_hourly.total', '+', eb.ref('excluded.total')),
        }),
      )
      .compile();
  });
  if (hourOf(new Date(previous)) !== hourOf(new Date(now))) {
    const oldest = hourOf(new Date(now - RETAIN_HOURS * 3600_000));
    queries.push(sql`DELETE FROM metrics_hourly WHERE hour < ${oldest}`.compile(db));
  }
  try {
    await db.batch(queries);
  } catch (err) {
    // Put the numbers back for the next flush rather than lose them.
    for (const [key, t] of batch) {
      const [hour = '', metric = '', label = ''] = key.split('\u0000');
      add(hour, metric, label, t.count, t.total);
    }
    lastFlush = previous;
    log({
      level: 'error',
      type: 'event',
      name: 'metrics_flush_failed',
      error: { name: err instanceof Error ? err.name : 'Error', message: String(err).slice(0, 300) },
    });
  }
}
