import type { BugListItem } from '../../worker/db/bugs';
import { day, LABEL_NAMES, SEVERITY_NAMES, STATUS_NAMES } from './format';

/** One row of any bug list; the same markup in pages, fragments and the shell's latest list. */
export function BugItem({ bug, base = '' }: { bug: BugListItem; base?: string }) {
  return (
    <li class="bug-item">
      <a class="bug-title" href={`${base}/bugs/${bug.id}`}>
        {bug.title}
      </a>
      <p class="bug-meta">
        <a href={`${base}/domains/${encodeURIComponent(bug.hostname)}`}>{bug.hostname}</a>
        <span class={`tag label-${bug.label}`}>{LABEL_NAMES[bug.label]}</span>
        <span class={`tag sev-${bug.severity}`}>Severity: {SEVERITY_NAMES[bug.severity]}</span>
        <span class={`tag status-${bug.status}`}>{STATUS_NAMES[bug.status]}</span>
        {bug.is_hidden ? <span class="tag private">Private</span> : null}
        <span>
          by{' '}
          {bug.username ? (
            <a href={`${base}/users/${encodeURIComponent(bug.username)}`}>{bug.username}</a>
          ) : (
            'anonymous'
          )}
        </span>
        <time datetime={bug.created_at}>{day(bug.created_at)}</time>
        <span>
          {bug.upvotes} upvote{bug.upvotes === 1 ? '' : 's'}
        </span>
      </p>
    </li>
  );
}
