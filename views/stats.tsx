import type { BugStats } from '../worker/db/bugs';
import type { Label } from '../worker/db/schema';
import { ColumnChart, NumbersTable, pct } from './components/chart';
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

/** Bugs per day as a column chart (components/chart.tsx), a date label every 7 days. */
export function PerDayChart({ days }: { days: { day: string; count: number }[] }) {
  const total = days.reduce((a, d) => a + d.count, 0);
  return (
    <ColumnChart
      id="per-day"
      title={`Bugs reported per day, last ${days.length} days`}
      desc={`${total} public bugs reported from ${days[0]?.day ?? ''} to ${days.at(-1)?.day ?? ''}. The busiest day had ${Math.max(0, ...days.map((d) => d.count))}. Exact numbers are in the table that follows.`}
      points={days.map((d) => ({ label: d.day.slice(5), value: d.count }))}
      tick={(i, n) => i % 7 === 0 && i < n - 4}
    />
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
          valueColumn="Bugs"
          rows={perDay.map((d) => [d.day, d.count])}
        />
      </figure>
      <h2 id="by-label-heading">Bugs by label</h2>
      <figure>
        <ByLabelChart labels={byLabel} />
        <NumbersTable
          caption="Bugs by label"
          column="Label"
          valueColumn="Bugs"
          rows={byLabel.map((l) => [LABEL_NAMES[l.label], l.count])}
        />
      </figure>
    </>
  );
}
