/** Round the axis maximum up to 5, or 1/2/5 × 10ⁿ, so the gridline labels are whole numbers. */
export function niceMax(n: number): number {
  if (n <= 5) return 5;
  const pow = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * pow >= n) return m * pow;
  return 10 * pow;
}

/** A percentage of the chart's width, as SVG length text. */
export const pct = (n: number) => `${Math.round(n * 100) / 100}%`;

export interface ColumnChartProps {
  /** Prefix of the title and desc ids (unique on the page). */
  id: string;
  title: string;
  desc: string;
  points: { label: string; value: number }[];
  /** Which columns get their label under the axis (the last one always does). */
  tick: (index: number, count: number) => boolean;
}

/**
 * A column chart as inline SVG (the stats page's and /admin/metrics'). It has no viewBox: x
 * positions and widths are percentages of the chart's own width and text is in CSS pixels, so
 * it is drawn for whatever width it gets and its labels stay 13 px on a phone and on a desk.
 * Every non-zero column carries its number, so it reads without colour; `<title>`/`<desc>` name
 * it, and a NumbersTable beside it repeats the numbers.
 */
export function ColumnChart({ id, title, desc, points, tick }: ColumnChartProps) {
  const h = 220;
  const bottom = 30;
  const top = 22;
  const max = niceMax(Math.max(0, ...points.map((d) => d.value)));
  const slot = 100 / Math.max(1, points.length);
  const y = (v: number) => top + (h - top - bottom) * (1 - v / max);
  return (
    <svg class="chart" width="100%" height={h} role="img" aria-labelledby={`${id}-title ${id}-desc`}>
      <title id={`${id}-title`}>{title}</title>
      <desc id={`${id}-desc`}>{desc}</desc>
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
      {points.map((d, i) => {
        const barH = y(0) - y(d.value);
        const last = i === points.length - 1;
        return (
          <g>
            {d.value > 0 ? (
              <rect class="bar" x={pct(i * slot + slot * 0.12)} y={y(d.value)} width={pct(slot * 0.76)} height={barH} />
            ) : null}
            {d.value > 0 ? (
              <text class="value" x={pct((i + 0.5) * slot)} y={y(d.value) - 4} text-anchor="middle">
                {d.value}
              </text>
            ) : null}
            {tick(i, points.length) || last ? (
              <text x={last ? '100%' : pct(i * slot)} y={h - bottom + 18} text-anchor={last ? 'end' : 'start'}>
                {d.label}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}

/** A chart's numbers as a table, for screen readers (visually hidden beside the chart). */
export function NumbersTable(props: {
  caption: string;
  column: string;
  valueColumn: string;
  rows: [string, number][];
}) {
  return (
    // A table ignores `height`, so the clipping lives on a wrapper that does not.
    <div class="visually-hidden">
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{props.column}</th>
            <th scope="col">{props.valueColumn}</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map(([name, count]) => (
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
