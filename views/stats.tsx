import type { BugStats } from '../worker/db/bugs';
import type { Label } from '../worker/db/schema';
import { LABEL_NAMES } from './components/format';

/** The counts block: the shell's stats region and the top of /stats. */
export function StatsBlock({ stats, base = '' }: { stats: BugStats; base?: string }) {
  return (
    <dl class="stats" id="stats-counts">
      <div>
        <dt>Bugs reported</dt>
        <dd>{stats.total}</dd>
      </div>
      <div>
        <dt>Open</dt>
        <dd>
          <a href={`${base}/bugs?status=open`}>{stats.open}</a>
        </dd>
      </div>
      <div>
        <dt>Closed</dt>
        <dd>
          <a href={`${base}/bugs?status=closed`}>{stats.closed}</a>
        </dd>
      </div>
      <div>
        <dt>Domains</dt>
        <dd>{stats.domains}</dd>
      </div>
    </dl>
  );
}

/** Round the axis maximum up to 5, or 1/2/5 × 10ⁿ, so the gridline labels are whole numbers. */
function niceMax(n: number): number {
  if (n <= 5) return 5;
  const pow = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * pow >= n) return m * pow;
  return 10 * pow;
}

/**
 * Bugs per day as an inline SVG column chart. Every non-zero column carries its number, so it
 * reads without colour; `<title>`/`<desc>` name it, and the table below repeats the numbers.
 */
export function PerDayChart({ days }: { days: { day: string; count: number }[] }) {
  const w = 720;
  const h = 220;
  const left = 36;
  const bottom = 34;
  const top = 16;
  const max = niceMax(Math.max(0, ...days.map((d) => d.count)));
  const slot = (w - left - 8) / days.length;
  const y = (v: number) => top + (h - top - bottom) * (1 - v / max);
  const total = days.reduce((a, d) => a + d.count, 0);
  const first = days[0]?.day ?? '';
  const last = days.at(-1)?.day ?? '';
  return (
    <svg class="chart" viewBox={`0 0 ${w} ${h}`} role="img" aria-labelledby="per-day-title per-day-desc">
      <title id="per-day-title">Bugs reported per day, last {days.length} days</title>
      <desc id="per-day-desc">
        {total} public bugs reported from {first} to {last}. The busiest day had{' '}
        {Math.max(0, ...days.map((d) => d.count))}. Exact numbers are in the table that follows.
      </desc>
      {(max > 5 ? [0, max / 2, max] : [0, max]).map((v) => (
        <>
          <line class="axis" x1={left} x2={w - 4} y1={y(v)} y2={y(v)} stroke-dasharray={v === 0 ? undefined : '3 4'} />
          <text x={left - 6} y={y(v) + 4} text-anchor="end">
            {v}
          </text>
        </>
      ))}
      {days.map((d, i) => {
        const x = left + i * slot + 2;
        const barH = y(0) - y(d.count);
        return (
          <g>
            {d.count > 0 ? <rect class="bar" x={x} y={y(d.count)} width={Math.max(1, slot - 4)} height={barH} /> : null}
            {d.count > 0 ? (
              <text class="value" x={x + (slot - 4) / 2} y={y(d.count) - 3} text-anchor="middle">
                {d.count}
              </text>
            ) : null}
            {i % 5 === 0 || i === days.length - 1 ? (
              <text x={x + (slot - 4) / 2} y={h - bottom + 16} text-anchor="middle">
                {d.day.slice(5)}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}

/** Bugs by label as horizontal bars, each labelled with its name and number. */
export function ByLabelChart({ labels }: { labels: { label: Label; count: number }[] }) {
  const w = 720;
  const row = 26;
  const nameW = 170;
  const h = labels.length * row + 8;
  const max = Math.max(1, ...labels.map((l) => l.count));
  const total = labels.reduce((a, l) => a + l.count, 0);
  const top = [...labels].sort((a, b) => b.count - a.count)[0];
  return (
    <svg class="chart" viewBox={`0 0 ${w} ${h}`} role="img" aria-labelledby="by-label-title by-label-desc">
      <title id="by-label-title">Bugs by label</title>
      <desc id="by-label-desc">
        {total} public bugs in {labels.length} labels
        {top && top.count > 0 ? `; the most common is ${LABEL_NAMES[top.label]} with ${top.count}` : ''}. Exact numbers
        are in the table that follows.
      </desc>
      {labels.map((l, i) => {
        const barW = ((w - nameW - 60) * l.count) / max;
        const yy = 4 + i * row;
        return (
          <g>
            <text x={nameW - 8} y={yy + 16} text-anchor="end">
              {LABEL_NAMES[l.label]}
            </text>
            {l.count > 0 ? <rect class="bar" x={nameW} y={yy + 3} width={barW} height={row - 8} /> : null}
            <text class="value" x={nameW + barW + 6} y={yy + 16}>
              {l.count}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** A chart's numbers as a table, for screen readers (visually hidden beside the chart). */
function NumbersTable({ caption, column, rows }: { caption: string; column: string; rows: [string, number][] }) {
  return (
    <table class="visually-hidden">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{column}</th>
          <th scope="col">Bugs</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, count]) => (
          <tr>
            <th scope="row">{name}</th>
            <td>{count}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface StatsPageProps {
  stats: BugStats;
  perDay: { day: string; count: number }[];
  byLabel: { label: Label; count: number }[];
}

export function StatsPage({ stats, perDay, byLabel }: StatsPageProps) {
  return (
    <>
      <h1>Stats</h1>
      <StatsBlock stats={stats} />
      <p class="muted">Private reports and reports marked as spam are never counted.</p>
      <h2 id="per-day-heading">Bugs reported per day</h2>
      <figure>
        <PerDayChart days={perDay} />
        <NumbersTable
          caption={`Bugs reported per day, last ${perDay.length} days`}
          column="Day"
          rows={perDay.map((d) => [d.day, d.count])}
        />
      </figure>
      <h2 id="by-label-heading">Bugs by label</h2>
      <figure>
        <ByLabelChart labels={byLabel} />
        <NumbersTable
          caption="Bugs by label"
          column="Label"
          rows={byLabel.map((l) => [LABEL_NAMES[l.label], l.count])}
        />
      </figure>
    </>
  );
}
