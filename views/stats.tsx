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
        <dt>No longer open</dt>
        <dd>
          <a href={`${base}/bugs?status=ended`}>{stats.closed}</a>
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

/** A percentage of the chart's width, as SVG length text. */
const pct = (n: number) => `${Math.round(n * 100) / 100}%`;

/**
 * Bugs per day as an inline SVG column chart. It has no viewBox: x positions and widths are
 * percentages of the chart's own width and text is in CSS pixels, so the chart is drawn for
 * whatever width it gets and its labels stay 13 px on a phone and on a desk. Every non-zero
 * column carries its number, so it reads without colour; `<title>`/`<desc>` name it, and the
 * table below repeats the numbers.
 */
export function PerDayChart({ days }: { days: { day: string; count: number }[] }) {
  const h = 220;
  const bottom = 30;
  const top = 22;
  const max = niceMax(Math.max(0, ...days.map((d) => d.count)));
  const slot = 100 / Math.max(1, days.length);
  const y = (v: number) => top + (h - top - bottom) * (1 - v / max);
  const total = days.reduce((a, d) => a + d.count, 0);
  const first = days[0]?.day ?? '';
  const last = days.at(-1)?.day ?? '';
  return (
    <svg class="chart" width="100%" height={h} role="img" aria-labelledby="per-day-title per-day-desc">
      <title id="per-day-title">Bugs reported per day, last {days.length} days</title>
      <desc id="per-day-desc">
        {total} public bugs reported from {first} to {last}. The busiest day had{' '}
        {Math.max(0, ...days.map((d) => d.count))}. Exact numbers are in the table that follows.
      </desc>
      {(max > 5 ? [0, max / 2, max] : [0, max]).map((v) => (
        <>
          <line class="axis" x1="0" x2="100%" y1={y(v)} y2={y(v)} stroke-dasharray={v === 0 ? undefined : '3 4'} />
          {v === 0 ? null : (
            <text class="gridlabel" x="0" y={y(v) - 4}>
              {v}
            </text>
          )}
        </>
      ))}
      {days.map((d, i) => {
        const barH = y(0) - y(d.count);
        const lastDay = i === days.length - 1;
        return (
          <g>
            {d.count > 0 ? (
              <rect class="bar" x={pct(i * slot + slot * 0.12)} y={y(d.count)} width={pct(slot * 0.76)} height={barH} />
            ) : null}
            {d.count > 0 ? (
              <text class="value" x={pct((i + 0.5) * slot)} y={y(d.count) - 4} text-anchor="middle">
                {d.count}
              </text>
            ) : null}
            {(i % 7 === 0 && i < days.length - 4) || lastDay ? (
              <text x={lastDay ? '100%' : pct(i * slot)} y={h - bottom + 18} text-anchor={lastDay ? 'end' : 'start'}>
                {d.day.slice(5)}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}

/**
 * Bugs by label as horizontal bars, each with its name above it and its number after it:
 * drawn in percentages of the chart's width like the chart above, so it fits any width.
 */
export function ByLabelChart({ labels }: { labels: { label: Label; count: number }[] }) {
  const row = 42;
  const h = labels.length * row + 4;
  const max = Math.max(1, ...labels.map((l) => l.count));
  const total = labels.reduce((a, l) => a + l.count, 0);
  const top = [...labels].sort((a, b) => b.count - a.count)[0];
  return (
    <svg class="chart" width="100%" height={h} role="img" aria-labelledby="by-label-title by-label-desc">
      <title id="by-label-title">Bugs by label</title>
      <desc id="by-label-desc">
        {total} public bugs in {labels.length} labels
        {top && top.count > 0 ? `; the most common is ${LABEL_NAMES[top.label]} with ${top.count}` : ''}. Exact numbers
        are in the table that follows.
      </desc>
      {labels.map((l, i) => {
        const barW = (88 * l.count) / max;
        const yy = i * row;
        return (
          <g>
            <text x="0" y={yy + 15}>
              {LABEL_NAMES[l.label]}
            </text>
            {l.count > 0 ? <rect class="bar" x="0" y={yy + 21} width={pct(barW)} height={14} /> : null}
            <text class="value" x={pct(barW + (l.count > 0 ? 1.5 : 0))} y={yy + 33}>
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
    // A table ignores `height`, so the clipping lives on a wrapper that does not.
    <div class="visually-hidden">
      <table>
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
    </div>
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
