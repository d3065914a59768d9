import type { NotificationItem } from '../worker/db/notifications';
import type { NotifyEmail } from '../worker/db/schema';
import { FormToken, HtmxForm } from './components/form';
import { STATE_NAMES } from './components/format';
import { UserName } from './components/user-name';
import { When } from './components/when';

/** /notifications (README "Notifications"): newest first, unread marked, each with its own "mark read". */
export interface NotificationsView {
  rows: NotificationItem[];
  unread: number;
  /** The id to continue below (keyset), or null on the last page. */
  next: number | null;
}

export function NotificationsPage(v: NotificationsView) {
  return (
    <>
      <h1>Notifications</h1>
      <p>
        <span id="unread-status">
          {v.unread === 0 ? 'Nothing unread.' : `${v.unread >= 100 ? '99+' : v.unread} unread.`}
        </span>{' '}
        <a href="/owned">Your domains</a> · <a href="/settings#notify">Email settings</a>
      </p>
      {v.unread > 0 ? (
        <form method="post" action="/notifications/read">
          <FormToken />
          <input type="hidden" name="all" value="1" />
          <button type="submit" class="secondary">
            Mark all as read
          </button>
        </form>
      ) : null}
      <ol class="notification-list" aria-label="Notifications, newest first">
        <NotificationRows {...v} />
      </ol>
    </>
  );
}

/** One page of rows and the "Older" item that htmx replaces with the next page. */
export function NotificationRows(v: NotificationsView) {
  const next = v.next ? `/notifications?before=${v.next}` : null;
  return (
    <>
      {v.rows.map((n) => (
        <NotificationItemView n={n} />
      ))}
      {v.rows.length === 0 ? <li class="empty">No notifications yet.</li> : null}
      {next ? (
        <li class="more">
          <a
            href={next}
            data-hx-get={next}
            data-hx-target="closest li"
            data-hx-swap="outerHTML"
            rel="next"
            data-hx-sync="this:drop"
          >
            Older notifications
          </a>
        </li>
      ) : null}
    </>
  );
}

export function NotificationItemView({ n }: { n: NotificationItem }) {
  const id = `notification-${n.id}`;
  return (
    <li id={id} class={n.read_at ? 'notification read' : 'notification unread'}>
      <p>
        {n.read_at ? null : <strong class="tag">New</strong>} <NotificationText n={n} />{' '}
        <span class="muted">
          <When iso={n.created_at} />
        </span>
      </p>
      {n.read_at ? null : (
        <HtmxForm action="/notifications/read" target={`#${id}`} class="inline">
          <input type="hidden" name="id" value={String(n.id)} />
          <button type="submit" class="link">
            Mark as read
          </button>
        </HtmxForm>
      )}
    </li>
  );
}

function ReportLink({ n }: { n: NotificationItem }) {
  if (n.bug_id === null) return <>a report</>;
  if (n.bug_title === null) return <>a report you can no longer see</>;
  return <a href={`/bugs/${n.bug_id}`}>“{n.bug_title}”</a>;
}

/** What happened, in words; kinds this code does not know show their summary. */
export function NotificationText({ n }: { n: NotificationItem }) {
  const who = <UserName username={n.actor} />;
  if (n.kind === 'state_changed' && n.to_state) {
    return (
      <span>
        {n.actor === null ? 'Someone' : who} moved your report <ReportLink n={n} />
        {n.from_state ? ` from ${STATE_NAMES[n.from_state]}` : ''} to <strong>{STATE_NAMES[n.to_state]}</strong>.
        {n.summary ? <span class="muted"> Note: {n.summary}</span> : null}
      </span>
    );
  }
  if (n.kind === 'comment') {
    return (
      <span>
        {who} commented on <ReportLink n={n} />.
      </span>
    );
  }
  if (n.kind === 'new_report') {
    return (
      <span>
        New report on {n.hostname ?? 'your domain'}: <ReportLink n={n} />
        {n.actor === null ? ' (anonymous)' : null}.
      </span>
    );
  }
  if (n.kind === 'owner_added') {
    return (
      <span>
        {who} made you an owner of{' '}
        {n.hostname ? <a href={`/domains/${encodeURIComponent(n.hostname)}/triage`}>{n.hostname}</a> : 'a domain'}.
      </span>
    );
  }
  return (
    <span>
      {n.summary || 'Something happened'}
      {n.bug_id !== null ? (
        <>
          {' '}
          (<ReportLink n={n} />)
        </>
      ) : null}
    </span>
  );
}

/** The choices settings offer ('daily': the digest the daily cron sends, worker/disclosure.ts). */
export const NOTIFY_EMAIL_CHOICES = ['instant', 'daily', 'off'] as const;

const NOTIFY_EMAIL_NAMES: Record<NotifyEmail, string> = {
  instant: 'Right away: one mail per notification',
  daily: 'Once a day: a digest',
  off: 'Never: only on the notifications page',
};

/** Settings: when to be mailed about notifications. */
export function NotifyEmailSection({ value, saved }: { value: NotifyEmail; saved?: boolean }) {
  return (
    <section aria-labelledby="notify-heading" id="notify">
      <h2 id="notify-heading">Notification email</h2>
      <HtmxForm action="/settings/notifications" target="#notify" class="auth-form">
        <fieldset>
          <legend>Mail me about state changes, comments and new reports on my domains</legend>
          {NOTIFY_EMAIL_CHOICES.map((choice) => (
            <label>
              <input type="radio" name="notify_email" value={choice} checked={value === choice} />{' '}
              {NOTIFY_EMAIL_NAMES[choice]}
            </label>
          ))}
        </fieldset>
        <button type="submit">Save</button>
        {saved ? (
          <p class="notice" role="status">
            Saved.
          </p>
        ) : null}
      </HtmxForm>
    </section>
  );
}
