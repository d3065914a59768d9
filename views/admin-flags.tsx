import type { FlaggedReport } from '../worker/db/states';
import { HtmxForm } from './components/form';
import { STATE_NAMES } from './components/format';
import { When } from './components/when';

/** One flagged report in the queue, with "keep" and "mark as spam"; htmx swaps the row when resolved. */
export function FlagRow({ row }: { row: FlaggedReport }) {
  const action = `/admin/flags/${row.bug_id}/resolve`;
  return (
    <li class="flag-row" id={`flagged-${row.bug_id}`}>
      <p>
        <a href={`/bugs/${row.bug_id}`}>{row.title}</a> <span class="muted">on {row.hostname}</span>{' '}
        <span class={`tag state-${row.state}`}>{STATE_NAMES[row.state]}</span>
      </p>
      <p class="comment-meta">
        <span>
          {row.flags} flag{row.flags === 1 ? '' : 's'}: {row.reasons.split(',').join(', ')}
        </span>{' '}
        <span>
          first <When iso={row.first_flagged} />
        </span>
      </p>
      <div class="bug-actions">
        <HtmxForm action={action} target={`#flagged-${row.bug_id}`} class="inline">
          <input type="hidden" name="resolution" value="kept" />
          <button type="submit" class="secondary">
            Keep report
          </button>
        </HtmxForm>
        {row.state === 'spam' ? null : (
          <HtmxForm action={action} target={`#flagged-${row.bug_id}`} class="inline">
            <input type="hidden" name="resolution" value="spam" />
            <button type="submit" class="danger">
              Mark as spam
            </button>
          </HtmxForm>
        )}
      </div>
    </li>
  );
}

/** What replaces a row once it is resolved (htmx); without JS the queue reloads without it. */
export function ResolvedRow({ bugId, resolution }: { bugId: number; resolution: 'kept' | 'spam' }) {
  return (
    <li class="flag-row resolved" id={`flagged-${bugId}`}>
      <p role="status">
        Report <a href={`/bugs/${bugId}`}>#{bugId}</a> {resolution === 'kept' ? 'kept' : 'marked as spam'}; its flags
        are resolved.
      </p>
    </li>
  );
}

/** /admin/flags: reports that signed-in users flagged as suspicious, longest waiting first. */
export function FlagQueuePage({ rows }: { rows: FlaggedReport[] }) {
  return (
    <>
      <h1>Flagged reports</h1>
      <p class="muted">
        Reports users flagged as suspicious, longest waiting first. Keep one to clear its flags, or mark it as spam.
      </p>
      <ol class="flag-queue comment-list" aria-label="Flagged reports">
        {rows.map((row) => (
          <FlagRow row={row} />
        ))}
        {rows.length === 0 ? <li class="empty">No flagged reports. Well done.</li> : null}
      </ol>
    </>
  );
}
