import type { BugListItem } from '../../worker/db/bugs';
import { LABEL_NAMES, SEVERITY_NAMES, STATE_NAMES } from './format';
import { UserName } from './user-name';
import { When } from './when';

/**
 * One row of any bug list; the same markup in pages, fragments and the shell's latest list.
 * Only what tells bugs apart is shown: no "Severity: None", no "0 upvotes", no "Open"
 * (the usual state), and no "by <name>" on that reporter's own profile.
 */
export function BugItem({
  bug,
  base = '',
  showReporter = true,
}: {
  bug: BugListItem;
  base?: string;
  showReporter?: boolean;
}) {
  return (
    <li class="bug-item">
      <a class="bug-title" href={`${base}/bugs/${bug.id}`}>
        {bug.title}
      </a>
      <p class="bug-meta">
        <a href={`${base}/domains/${encodeURIComponent(bug.hostname)}`}>{bug.hostname}</a>
        <span class={`tag label-${bug.label}`}>{LABEL_NAMES[bug.label]}</span>
        {bug.severity === 'none' ? null : (
          <span class={`tag sev-${bug.severity}`}>Severity: {SEVERITY_NAMES[bug.severity]}</span>
        )}
        {bug.state === 'new' ? null : (
          <span class={`tag status-${bug.status} state-${bug.state}`}>{STATE_NAMES[bug.state]}</span>
        )}
        {bug.is_hidden ? <span class="tag private">Private</span> : null}
        {showReporter ? (
          <span>
            by <UserName username={bug.username} base={base} />
          </span>
        ) : null}
        <When iso={bug.created_at} />
        {bug.upvotes > 0 ? (
          <span>
            {bug.upvotes} upvote{bug.upvotes === 1 ? '' : 's'}
          </span>
        ) : null}
      </p>
    </li>
  );
}
