import type { Child } from 'hono/jsx';
import { BugList, type BugListProps } from './bugs/list';
import { qs } from './components/format';

/** The domain page: its open and closed bugs, each with its own "Older bugs". */
export function DomainPage(props: {
  hostname: string;
  open: BugListProps;
  closed: BugListProps;
  topReporters: { username: string; bugs: number }[];
  /** How the domain responds (views/scorecards.tsx ScorecardSection). */
  scorecard?: Child;
}) {
  const h = props.hostname;
  return (
    <>
      <h1>{h}</h1>
      <p>
        <a href={`/bugs/new${qs({ url: `https://${h}/` })}`}>Report a bug on {h}</a> ·{' '}
        <a href={`/domains/${encodeURIComponent(h)}/claim`}>Do you run {h}? Claim it</a>
      </p>
      {props.scorecard}
      {props.topReporters.length > 0 ? (
        <section aria-labelledby="top-heading">
          <h2 id="top-heading">Top reporters on {h}</h2>
          <ol class="top-reporters">
            {props.topReporters.map((r) => (
              <li>
                <a href={`/users/${encodeURIComponent(r.username)}`}>{r.username}</a> — {r.bugs} bug
                {r.bugs === 1 ? '' : 's'}
              </li>
            ))}
          </ol>
        </section>
      ) : null}
      <h2 id="open-heading">Open bugs</h2>
      <BugList id="open-bugs" label={`Open bugs on ${h}`} {...props.open} emptyText="No open bugs." />
      <h2 id="closed-heading">No longer open</h2>
      <BugList
        id="closed-bugs"
        label={`Bugs on ${h} no longer open`}
        {...props.closed}
        emptyText="None: every bug here is still open."
      />
    </>
  );
}
