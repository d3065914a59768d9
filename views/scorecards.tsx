import type { ResponsiveRow, Scorecard } from '../worker/db/scorecards';
import { medianShort, medianText, percent } from '../worker/lib/scorecard';
import { ASSET_VERSIONS } from './asset-versions';

export interface ResponsiveProps {
  rows: ResponsiveRow[];
  /** Absolute origin for links, so an embedded fragment links back to BLT-Next. */
  base: string;
  /** Open links in a new tab (inside an iframe). */
  newTab?: boolean;
}

/** "Most responsive domains": the page's body, the embeddable fragment and the iframe widget. */
export function ResponsiveTable({ rows, base, newTab }: ResponsiveProps) {
  const target = newTab ? { target: '_blank', rel: 'noopener' } : {};
  return (
    <table class="leaderboard" id="responsive-domains">
      <caption>Most responsive domains</caption>
      <thead>
        <tr>
          <th scope="col" class="num">
            Rank
          </th>
          <th scope="col">Domain</th>
          <th scope="col" class="num">
            Answered within a week
          </th>
          <th scope="col" class="num">
            Median first answer*
          </th>
          <th scope="col" class="num">
            Fixed
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr>
            <td class="num">{r.rank}</td>
            <th scope="row">
              <a href={`${base}/domains/${r.hostname}`} {...target}>
                {r.hostname}
              </a>
            </th>
            <td class="num">{Math.round(r.boardScore / 10)}%</td>
            <td class="num">{medianText(r.triage)}</td>
            <td class="num">
              {r.fixed} of {r.reports}
            </td>
          </tr>
        ))}
        {rows.length === 0 ? (
          <tr>
            <td colspan={5}>No domain has 3 public reports yet.</td>
          </tr>
        ) : null}
      </tbody>
    </table>
  );
}

/** The footnote every place showing bucket medians carries. */
export function MedianNote() {
  return (
    <p class="muted small">
      * Medians are estimated from buckets (under 1 h, 1–4 h, 4–12 h, 12–24 h, 1–2 d, 2–4 d, 4–7 d, 7–14 d, 14–30 d,
      30–60 d, 60–90 d, over 90 d): the page shows the bucket the middle report falls in.
    </p>
  );
}

/** `/leaderboard/domains`. */
export function ResponsivePage(props: ResponsiveProps) {
  return (
    <>
      <h1>Most responsive domains</h1>
      <nav class="periods" aria-label="Leaderboards">
        <ul>
          <li>
            <a href="/leaderboard">Top reporters</a>
          </li>
          <li>
            <a href="/leaderboard/domains" aria-current="page">
              Most responsive domains
            </a>
          </li>
        </ul>
      </nav>
      <p>
        Domains with at least 3 public reports, by the share of reports their people answered (triaged, accepted, fixed,
        closed …) within a week.
      </p>
      <div class="table-scroll">
        <ResponsiveTable {...props} />
      </div>
      <MedianNote />
    </>
  );
}

/** The `<iframe>` widget: a whole small document with its own stylesheet and no script. */
export function EmbedResponsive(props: ResponsiveProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>BLT-Next: most responsive domains</title>
        <meta name="robots" content="noindex" />
        <meta name="color-scheme" content="light dark" />
        <link rel="stylesheet" href={`${props.base}/assets/embed.css?v=${ASSET_VERSIONS.embedCss}`} />
      </head>
      <body>
        <main>
          <h1>BLT-Next</h1>
          <ResponsiveTable {...props} newTab />
          <p class="powered">
            <a href={`${props.base}/leaderboard/domains`} target="_blank" rel="noopener">
              Full board on BLT-Next
            </a>
          </p>
        </main>
      </body>
    </html>
  );
}

export interface ContactLine {
  status: 'pending' | 'found' | 'not_found' | 'expired' | 'invalid' | null;
  notifiedAt: string | null;
}

const CONTACT_TEXT: Record<NonNullable<ContactLine['status']>, string> = {
  pending: 'not checked yet',
  found: 'found',
  not_found: 'not found',
  expired: 'expired',
  invalid: 'found, but with no usable Contact',
};

/** A domain's scorecard on its page: how it responds, from the precomputed counters. */
export function ScorecardSection(props: {
  hostname: string;
  base: string;
  card: Scorecard;
  claimed: boolean;
  contact: ContactLine;
}) {
  const { card, contact } = props;
  const fixedShare = percent(card.fixed, card.reports);
  return (
    <section aria-labelledby="scorecard-heading" class="scorecard">
      <h2 id="scorecard-heading">How {props.hostname} responds</h2>
      <dl class="facts">
        <dt>Public reports</dt>
        <dd>{card.reports}</dd>
        <dt>Reached “fixed”</dt>
        <dd>{fixedShare === null ? '—' : `${fixedShare}% (${card.fixed})`}</dd>
        <dt>Median time to first triage*</dt>
        <dd>{medianText(card.triage)}</dd>
        <dt>Median time to fix*</dt>
        <dd>{medianText(card.fix)}</dd>
        <dt>Claimed</dt>
        <dd>{props.claimed ? 'yes, by its owners' : 'no'}</dd>
        <dt>security.txt</dt>
        <dd>
          {contact.status === null ? 'not checked yet' : CONTACT_TEXT[contact.status]}
          {contact.notifiedAt ? `; owner notified on ${contact.notifiedAt.slice(0, 10)}` : ''}
        </dd>
      </dl>
      <MedianNote />
      <p class="small">
        <img src={`/badge/${props.hostname}.svg`} alt={`BLT badge for ${props.hostname}`} height="20" /> Put this badge
        on your site:
      </p>
      <pre class="snippet">
        <code>{`<a href="${props.base}/domains/${props.hostname}"><img src="${props.base}/badge/${props.hostname}.svg" alt="BLT-Next scorecard of ${props.hostname}" height="20"></a>`}</code>
      </pre>
    </section>
  );
}

/** The text a badge shows on its right side. */
export function badgeText(card: Scorecard | null): string {
  if (!card || card.reports === 0) return 'no public reports';
  const fix = medianShort(card.fix);
  return fix ? `${card.fixed} fixed · median fix ${fix}` : `${card.fixed} fixed of ${card.reports}`;
}

/** Rough width of Verdana 11px text, enough for a badge's box. */
function textWidth(text: string): number {
  return Math.ceil([...text].length * 6.6) + 10;
}

/** `GET /badge/:host.svg`: a flat two-part badge ("BLT | 12 fixed · median fix ≤ 9 d"). */
export function Badge({ hostname, text }: { hostname: string; text: string }) {
  const left = 'BLT';
  const lw = textWidth(left);
  const rw = textWidth(text);
  const w = lw + rw;
  const label = `BLT: ${text} (${hostname})`;
  return (
    <svg xmlns="http://www.w3.org/2000/svg" width={w} height="20" role="img" aria-label={label} viewBox={`0 0 ${w} 20`}>
      <title>{label}</title>
      <rect width={lw} height="20" fill="#555" />
      <rect x={lw} width={rw} height="20" fill="#c0392b" />
      <g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">
        <text x={lw / 2} y="14">
          {left}
        </text>
        <text x={lw + rw / 2} y="14">
          {text}
        </text>
      </g>
    </svg>
  );
}
