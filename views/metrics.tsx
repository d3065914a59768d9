import type { MetricsOverview } from '../worker/db/metrics';
import { ColumnChart, NumbersTable } from './components/chart';

const hourLabel = (hour: string) => `${hour.slice(11, 13)}:00`;
const tickEvery6 = (i: number, n: number) => i % 6 === 0 && i < n - 3;

/** /admin/metrics: what /api/health cannot say, from the hourly totals in D1 (worker/lib/metrics.ts). */
export function MetricsPage({ overview }: { overview: MetricsOverview }) {
  const { hours, routes, latency, cache, events } = overview;
  const total = hours.reduce((a, h) => a + h.requests, 0);
  const errors = hours.reduce((a, h) => a + h.errors, 0);
  const slowest = [...hours].sort((a, b) => b.meanMs - a.meanMs)[0];
  const hits = cache.find((c) => c.state === 'hit')?.count ?? 0;
  const cacheTotal = cache.reduce((a, c) => a + c.count, 0);
  const range = `${hours[0]?.hour ?? ''}:00 to ${hours.at(-1)?.hour ?? ''}:59 UTC`;
  const chart = (
    id: string,
    title: string,
    desc: string,
    value: (h: (typeof hours)[number]) => number,
    unit: string,
  ) => (
    <figure>
      <ColumnChart
        id={id}
        title={title}
        desc={desc}
        points={hours.map((h) => ({ label: hourLabel(h.hour), value: value(h) }))}
        tick={tickEvery6}
      />
      <NumbersTable
        caption={title}
        column="Hour (UTC)"
        valueColumn={unit}
        rows={hours.map((h) => [`${h.hour.slice(0, 10)} ${hourLabel(h.hour)}`, value(h)])}
      />
    </figure>
  );
  return (
    <>
      <h1>Metrics</h1>
      <p class="muted">
        Last 24 hours, {range}, from the hourly totals this Worker keeps in D1. Each isolate adds its numbers every half
        minute, so the current hour lags a little; Workers Analytics Engine holds every data point.
      </p>
      <dl class="stats">
        <div>
          <dt>Requests</dt>
          <dd>{total}</dd>
        </div>
        <div>
          <dt>Server errors</dt>
          <dd>{errors}</dd>
        </div>
        <div>
          <dt>Embed cache hits</dt>
          <dd>{cacheTotal ? `${Math.round((100 * hits) / cacheTotal)}%` : '–'}</dd>
        </div>
      </dl>
      <h2>Requests per hour</h2>
      {chart('requests', 'Requests per hour', `${total} requests in the last 24 hours.`, (h) => h.requests, 'Requests')}
      <h2>Server errors per hour</h2>
      {chart(
        'errors',
        'Server errors (5xx) per hour',
        `${errors} answers with a 5xx status in the last 24 hours.`,
        (h) => h.errors,
        'Errors',
      )}
      <h2>Mean latency per hour</h2>
      {chart(
        'latency',
        'Mean latency per hour, in milliseconds',
        slowest && slowest.meanMs > 0
          ? `The slowest hour was ${hourLabel(slowest.hour)} with a mean of ${slowest.meanMs} ms.`
          : 'No requests yet.',
        (h) => h.meanMs,
        'Mean ms',
      )}
      <h2 id="latency-heading">Latency</h2>
      <table class="history" aria-labelledby="latency-heading">
        <thead>
          <tr>
            <th scope="col">At most</th>
            <th scope="col" class="num">
              Requests
            </th>
          </tr>
        </thead>
        <tbody>
          {latency.map((b) => (
            <tr>
              <th scope="row">{b.le === '+Inf' ? 'slower' : `${b.le} ms`}</th>
              <td class="num">{b.count}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2 id="routes-heading">Routes</h2>
      <div class="table-scroll">
        <table class="history" aria-labelledby="routes-heading">
          <thead>
            <tr>
              <th scope="col">Route</th>
              <th scope="col" class="num">
                Requests
              </th>
              <th scope="col" class="num">
                4xx
              </th>
              <th scope="col" class="num">
                5xx
              </th>
              <th scope="col" class="num">
                Mean ms
              </th>
              <th scope="col" class="num">
                D1 queries
              </th>
              <th scope="col" class="num">
                D1 ms
              </th>
              <th scope="col" class="num">
                Rows read
              </th>
              <th scope="col" class="num">
                Rows written
              </th>
            </tr>
          </thead>
          <tbody>
            {routes.map((r) => (
              <tr>
                <th scope="row">
                  <code>{r.route}</code>
                </th>
                <td class="num">{r.requests}</td>
                <td class="num">{r.clientErrors}</td>
                <td class="num">{r.errors}</td>
                <td class="num">{r.meanMs}</td>
                <td class="num">{r.d1Queries}</td>
                <td class="num">{r.d1Ms}</td>
                <td class="num">{r.rowsRead}</td>
                <td class="num">{r.rowsWritten}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2 id="events-heading">Events</h2>
      {events.length ? (
        <table class="history" aria-labelledby="events-heading">
          <tbody>
            {events.map((e) => (
              <tr>
                <th scope="row">{e.name.replaceAll('_', ' ')}</th>
                <td class="num">{e.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No reports, sign-ups or mail in the last 24 hours.</p>
      )}
    </>
  );
}
