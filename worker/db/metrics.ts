import type { DB } from '.';

/** One hour of the request metrics, for /admin/metrics' charts. */
export interface HourTotals {
  hour: string;
  requests: number;
  errors: number;
  /** Mean latency in ms, or 0 when there were no requests. */
  meanMs: number;
}

/** A route's totals over the window: requests, 5xx, latency, and what its D1 queries cost. */
export interface RouteTotals {
  route: string;
  requests: number;
  errors: number;
  clientErrors: number;
  meanMs: number;
  d1Queries: number;
  d1Ms: number;
  rowsRead: number;
  rowsWritten: number;
}

export interface MetricsOverview {
  hours: HourTotals[];
  routes: RouteTotals[];
  latency: { le: string; count: number }[];
  cache: { state: string; count: number }[];
  events: { name: string; count: number }[];
}

const hourKey = (at: number) => new Date(at).toISOString().slice(0, 13);

/**
 * The last `hours` hours of metrics_hourly (worker/lib/metrics.ts), hour by hour and route by
 * route. Reads one range of the primary key: at most hours × labels rows.
 */
export async function metricsOverview(db: DB, now = Date.now(), hours = 24): Promise<MetricsOverview> {
  const keys = Array.from({ length: hours }, (_, i) => hourKey(now - (hours - 1 - i) * 3600_000));
  const rows = await db
    .selectFrom('metrics_hourly')
    .select(['hour', 'metric', 'label', 'count', 'total'])
    .where('hour', '>=', keys[0] ?? '')
    .execute();

  const perHour = new Map(keys.map((h) => [h, { hour: h, requests: 0, errors: 0, ms: 0 }]));
  const routes = new Map<string, RouteTotals & { ms: number }>();
  const route = (name: string) => {
    let r = routes.get(name);
    if (!r) {
      r = {
        route: name,
        requests: 0,
        errors: 0,
        clientErrors: 0,
        meanMs: 0,
        ms: 0,
        d1Queries: 0,
        d1Ms: 0,
        rowsRead: 0,
        rowsWritten: 0,
      };
      routes.set(name, r);
    }
    return r;
  };
  const sums = (metric: string) => {
    const m = new Map<string, number>();
    for (const r of rows) if (r.metric === metric) m.set(r.label, (m.get(r.label) ?? 0) + r.count);
    return [...m].map(([label, count]) => ({ label, count }));
  };

  for (const r of rows) {
    if (r.metric === 'request') {
      // label: "<status> <METHOD> <route pattern>"
      const space = r.label.indexOf(' ');
      const status = Number(r.label.slice(0, space));
      const name = r.label.slice(space + 1);
      const h = perHour.get(r.hour);
      if (h) {
        h.requests += r.count;
        h.ms += r.total;
        if (status >= 500) h.errors += r.count;
      }
      const t = route(name);
      t.requests += r.count;
      t.ms += r.total;
      if (status >= 500) t.errors += r.count;
      else if (status >= 400) t.clientErrors += r.count;
    } else if (r.metric === 'd1_ms') {
      const t = route(r.label);
      t.d1Queries += r.count;
      t.d1Ms += r.total;
    } else if (r.metric === 'd1_rows_read') route(r.label).rowsRead += r.total;
    else if (r.metric === 'd1_rows_written') route(r.label).rowsWritten += r.total;
  }

  const order = ['25', '50', '100', '200', '500', '1000', '+Inf'];
  return {
    hours: [...perHour.values()].map((h) => ({
      hour: h.hour,
      requests: h.requests,
      errors: h.errors,
      meanMs: h.requests ? Math.round(h.ms / h.requests) : 0,
    })),
    routes: [...routes.values()]
      .filter((r) => r.requests > 0)
      .map(({ ms, ...r }) => ({ ...r, meanMs: Math.round(ms / r.requests), d1Ms: Math.round(r.d1Ms * 10) / 10 }))
      .sort((a, b) => b.requests - a.requests),
    latency: order.map((le) => ({ le, count: sums('latency_le').find((s) => s.label === le)?.count ?? 0 })),
    cache: sums('fragment_cache').map(({ label, count }) => ({ state: label, count })),
    events: sums('event').map(({ label, count }) => ({ name: label, count })),
  };
}
