import { monthKey } from '../worker/db';
import type { LeaderRow } from '../worker/db/leaderboard';
import { DEFAULT_PAGE_SIZE } from '../worker/lib/validation';
import { ASSET_VERSIONS } from './asset-versions';
import { qs } from './components/format';

export interface LeaderboardProps {
  rows: LeaderRow[];
  /** 'all' or 'YYYY-MM'. */
  period: string;
  /** Absolute origin for links, so an embedded fragment links back to BLT-Next. */
  base: string;
  nextHref: string | null;
  nextFragmentHref: string | null;
  /** Open profile links in a new tab (inside an iframe). */
  newTab?: boolean;
  /** The signed-in reader's username: their own row is marked. Never set on public fragments. */
  viewer?: string | null | undefined;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * "November 2026" from "2026-11". A table, not toLocaleString(): that builds an
 * Intl.DateTimeFormat per call, which the CPU profile of a profile page showed costing more than
 * the rest of its rendering (ARCHITECTURE.md, "One round trip per page").
 */
function monthName(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return `${MONTHS[m - 1] ?? period} ${y}`;
}

export function periodName(period: string): string {
  return period === 'all' ? 'All time' : monthName(period);
}

/** Rows only: what "More reporters" appends in place of itself. */
export function LeaderRows({ rows, base, nextHref, nextFragmentHref, newTab, viewer }: LeaderboardProps) {
  const target = newTab ? { target: '_blank', rel: 'noopener' } : {};
  return (
    <>
      {rows.map((r) => {
        const top = r.rank <= 3;
        const me = viewer !== undefined && viewer !== null && viewer === r.username;
        const cls = [top ? `top top-${r.rank}` : '', me ? 'me' : ''].filter(Boolean).join(' ');
        return (
          <tr class={cls || undefined} aria-current={me ? 'true' : undefined}>
            <td class="num">
              <span class="rank">{r.rank}</span>
              {top ? <span class="visually-hidden"> (top three)</span> : null}
            </td>
            <th scope="row">
              <a href={`${base}/users/${encodeURIComponent(r.username)}`} {...target}>
                {r.username}
              </a>
              {me ? <span class="you"> (you)</span> : null}
            </th>
            <td class="num">{r.score}</td>
            <td class="num">{r.bugs}</td>
          </tr>
        );
      })}
      {nextHref ? (
        <tr class="more">
          <td colspan={4}>
            <a
              href={nextHref}
              data-hx-get={nextFragmentHref ?? nextHref}
              data-hx-target="closest tr"
              data-hx-swap="outerHTML"
              data-hx-indicator="closest tr"
              data-hx-sync="this:drop"
              rel="next"
              {...target}
            >
              More reporters
            </a>
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** The table: the page's body, the embeddable fragment, and the iframe widget all use it. */
export function LeaderboardTable(props: LeaderboardProps) {
  return (
    <table class="leaderboard" id="leaderboard">
      <caption>Top reporters · {periodName(props.period)}</caption>
      <thead>
        <tr>
          <th scope="col" class="num">
            Rank
          </th>
          <th scope="col">Reporter</th>
          <th scope="col" class="num">
            Points
          </th>
          <th scope="col" class="num">
            Bugs reported
          </th>
        </tr>
      </thead>
      <tbody>
        <LeaderRows {...props} />
        {props.rows.length === 0 ? (
          <tr>
            <td colspan={4}>No points scored {props.period === 'all' ? 'yet' : 'this month'}.</td>
          </tr>
        ) : null}
      </tbody>
    </table>
  );
}

function shiftMonth(period: string, by: number): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return monthKey(d);
}

/** `/leaderboard`: period navigation and the table. */
export function LeaderboardPage(props: LeaderboardProps & { currentMonth: string; limit: number }) {
  const { period, currentMonth } = props;
  const limit = props.limit === DEFAULT_PAGE_SIZE ? undefined : props.limit;
  const month = period === 'all' ? currentMonth : period;
  const prev = shiftMonth(month, -1);
  const next = shiftMonth(month, 1);
  return (
    <>
      <h1>Leaderboard</h1>
      <p>
        Top reporters below; see also the <a href="/leaderboard/domains">most responsive domains</a>.
      </p>
      <nav class="periods" aria-label="Leaderboard period">
        <ul>
          <li>
            <a href={`/leaderboard${qs({ limit })}`} aria-current={period === 'all' ? 'page' : undefined}>
              All time
            </a>
          </li>
          <li>
            <a
              href={`/leaderboard${qs({ month: currentMonth, limit })}`}
              aria-current={period === currentMonth ? 'page' : undefined}
            >
              This month ({monthName(currentMonth)})
            </a>
          </li>
          <li>
            <a href={`/leaderboard${qs({ month: prev, limit })}`} rel="prev">
              ← {monthName(prev)}
            </a>
          </li>
          {period !== 'all' && next <= currentMonth ? (
            <li>
              <a href={`/leaderboard${qs({ month: next, limit })}`} rel="next">
                {monthName(next)} →
              </a>
            </li>
          ) : null}
        </ul>
      </nav>
      {period === currentMonth ? <p class="muted">This is the current month; it is still running.</p> : null}
      <LeaderboardTable {...props} />
    </>
  );
}

/** The `<iframe>` widget: a whole small document with its own stylesheet and no script. */
export function EmbedLeaderboard(props: LeaderboardProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>BLT-Next leaderboard</title>
        <meta name="robots" content="noindex" />
        <meta name="color-scheme" content="light dark" />
        <link rel="stylesheet" href={`${props.base}/assets/embed.css?v=${ASSET_VERSIONS.embedCss}`} />
      </head>
      <body>
        <main>
          <h1>BLT-Next</h1>
          <LeaderboardTable {...props} newTab />
          <p class="powered">
            <a href={`${props.base}/leaderboard`} target="_blank" rel="noopener">
              Full leaderboard on BLT-Next
            </a>
          </p>
        </main>
      </body>
    </html>
  );
}
