import { BugList, type BugListProps } from './bugs/list';
import { When } from './components/when';
import { periodName } from './leaderboard';

export interface ProfileProps {
  username: string;
  joined: string;
  /** `capped`: rank is a lower bound ("#1001+", worker/db/leaderboard.ts RANK_CAP). */
  allTime: { score: number; rank: number | null; bugs: number; capped?: boolean };
  thisMonth: { score: number; rank: number | null; bugs: number; period: string; capped?: boolean };
  bugs: BugListProps;
  history: {
    id: number;
    score: number;
    reason: string;
    created_at: string;
    bug_id: number | null;
    /** Null when the viewer may not see the bug (private or spam). */
    bug_title: string | null;
  }[];
  isOwner: boolean;
}

/** "#12", "#1001+" past the rank count's cap, or a dash without points. */
function rankText(s: { rank: number | null; capped?: boolean }): string {
  if (!s.rank) return '—';
  return s.capped ? `#${s.rank}+` : `#${s.rank}`;
}

/** A reporter's page: standing, their bugs, and where their points came from. */
export function ProfileView(p: ProfileProps) {
  return (
    <article class="profile" id="profile">
      <h1>{p.username}</h1>
      <p class="muted">
        Joined <When iso={p.joined} />
      </p>
      <dl class="profile-stats">
        <div>
          <dt>Points, all time</dt>
          <dd>{p.allTime.score}</dd>
        </div>
        <div>
          <dt>Rank, all time</dt>
          <dd>{rankText(p.allTime)}</dd>
        </div>
        <div>
          <dt>Points, {periodName(p.thisMonth.period)}</dt>
          <dd>{p.thisMonth.score}</dd>
        </div>
        <div>
          <dt>Rank, {periodName(p.thisMonth.period)}</dt>
          <dd>{rankText(p.thisMonth)}</dd>
        </div>
      </dl>
      <p>
        <a href="/leaderboard">Leaderboard</a>
      </p>
      <h2 id="bugs-heading">Bugs reported ({p.allTime.bugs})</h2>
      {p.isOwner ? <p class="hint">Your private reports are listed here for you only.</p> : null}
      <BugList
        id="profile-bugs"
        label={`Bugs reported by ${p.username}`}
        {...p.bugs}
        emptyText="No bugs reported yet."
      />
      <h2 id="history-heading">Recent points</h2>
      {p.history.length === 0 ? (
        <p class="muted">No points yet.</p>
      ) : (
        <table class="history" aria-labelledby="history-heading">
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Reason</th>
              <th scope="col">Bug</th>
              <th scope="col" class="num">
                Points
              </th>
            </tr>
          </thead>
          <tbody>
            {p.history.map((h) => (
              <tr>
                <td>
                  <When iso={h.created_at} />
                </td>
                <td>{h.reason}</td>
                <td>{h.bug_id && h.bug_title ? <a href={`/bugs/${h.bug_id}`}>{h.bug_title}</a> : '—'}</td>
                <td class="num">{h.score > 0 ? `+${h.score}` : h.score}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </article>
  );
}
