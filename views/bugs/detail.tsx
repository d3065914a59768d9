import type { BugDetail } from '../../worker/db/bugs';
import { isTombstoneUsername } from '../../worker/lib/credentials';
import { Field, FormToken, HtmxForm } from '../components/form';
import { day, LABEL_NAMES, SEVERITY_NAMES, STATUS_NAMES } from '../components/format';
import { UserName } from '../components/user-name';
import { When } from '../components/when';

/** What the viewer may do on a bug page; computed by the route, rendered here. */
export interface BugActions {
  signedIn: boolean;
  /** null: cannot upvote (signed out or own bug); otherwise whether they already have. */
  upvoted: boolean | null;
  canClose: boolean;
  canMarkSpam: boolean;
}

/** The upvote count and its toggle; htmx swaps just this, a plain POST redirects back. */
export function UpvoteControl({ bug, actions }: { bug: Pick<BugDetail, 'id' | 'upvotes'>; actions: BugActions }) {
  const label = `${bug.upvotes} upvote${bug.upvotes === 1 ? '' : 's'}`;
  if (actions.upvoted === null) {
    return (
      <p class="upvote" id={`upvote-${bug.id}`}>
        {label}
        {actions.signedIn ? null : (
          <>
            {' '}
            · <a href={`/login?next=/bugs/${bug.id}`}>Log in to upvote</a>
          </>
        )}
      </p>
    );
  }
  return (
    <HtmxForm class="upvote" id={`upvote-${bug.id}`} action={`/api/bugs/${bug.id}/upvote`} disable="find button">
      <button
        type="submit"
        class={actions.upvoted ? 'secondary' : undefined}
        aria-pressed={actions.upvoted ? 'true' : 'false'}
      >
        {actions.upvoted ? 'Upvoted' : 'Upvote'}
      </button>{' '}
      <span>{label}</span>
    </HtmxForm>
  );
}

export interface CommentView {
  id: number;
  body: string;
  created_at: string;
  username: string;
}

/** One page of comments and the links to its neighbours (plain href, and htmx's fragment URL). */
export interface CommentsPageView {
  rows: CommentView[];
  total: number;
  /** Number of the first row in the thread, so lists number comments the same on every page. */
  start: number;
  older: { href: string; fragmentHref: string } | null;
  newer: { href: string; fragmentHref: string } | null;
}

function CommentsLink({
  to,
  rel,
  children,
}: {
  to: { href: string; fragmentHref: string };
  rel: string;
  children: string;
}) {
  return (
    <p class="more">
      <a href={to.href} data-hx-get={to.fragmentHref} data-hx-target="#comments" data-hx-swap="outerHTML" rel={rel}>
        {children}
      </a>
    </p>
  );
}

/**
 * Comments, a page at a time (newest page by default, oldest first within it, so the newest is
 * last) and the form to add one; htmx swaps the whole section, and "Older comments" / "Newer
 * comments" are plain links without JS.
 */
export function CommentsSection(props: {
  bugId: number;
  comments: CommentsPageView;
  signedIn: boolean;
  value?: string | undefined;
  error?: string | undefined;
}) {
  const { bugId, comments } = props;
  return (
    <section class="comments" id="comments" aria-labelledby="comments-heading">
      <h2 id="comments-heading">Comments ({comments.total})</h2>
      {comments.total === 0 ? <p class="muted">No comments yet.</p> : null}
      {comments.older ? (
        <CommentsLink to={comments.older} rel="prev">
          Older comments
        </CommentsLink>
      ) : null}
      <ol class="comment-list" start={comments.start > 1 ? comments.start : undefined}>
        {comments.rows.map((cm) => (
          <li id={`comment-${cm.id}`}>
            <p class="comment-meta">
              <UserName username={cm.username} /> <When iso={cm.created_at} />
            </p>
            <p class="comment-body">{cm.body}</p>
          </li>
        ))}
      </ol>
      {comments.newer ? (
        <CommentsLink to={comments.newer} rel="next">
          Newer comments
        </CommentsLink>
      ) : null}
      {props.signedIn ? (
        <HtmxForm action={`/api/bugs/${bugId}/comments`} target="#comments" disable="find button" novalidate>
          <Field
            as="textarea"
            name="body"
            id="comment-body"
            errorId="comment-error"
            errorAlert
            label="Add a comment"
            errors={{ body: props.error }}
            rows={3}
            maxlength={5000}
            required
          >
            {props.value ?? ''}
          </Field>
          <button type="submit">Comment</button>
        </HtmxForm>
      ) : (
        <p>
          <a href={`/login?next=/bugs/${bugId}`}>Log in</a> to comment.
        </p>
      )}
    </section>
  );
}

/** The page of one bug: facts, description, upvotes, status controls and comments. */
export function BugDetailView({
  bug,
  actions,
  comments,
  commentValue,
  commentError,
}: {
  bug: BugDetail;
  actions: BugActions;
  comments: CommentsPageView;
  commentValue?: string | undefined;
  commentError?: string | undefined;
}) {
  return (
    <article class="bug-detail" id="bug">
      <h1>{bug.title}</h1>
      {bug.is_hidden ? (
        <p class="notice private">
          <strong>Private report:</strong> only its reporter and the admins can see it.
        </p>
      ) : null}
      {bug.status === 'spam' ? (
        <p class="notice">
          <strong>Marked as spam:</strong> hidden from every list; its points were taken back.
        </p>
      ) : null}
      <dl class="facts">
        <dt>Website</dt>
        <dd>
          <a href={bug.url} rel="nofollow noopener noreferrer ugc" class="break">
            {bug.url}
          </a>
        </dd>
        <dt>Domain</dt>
        <dd>
          <a href={`/domains/${encodeURIComponent(bug.hostname)}`}>{bug.hostname}</a>
        </dd>
        <dt>Label</dt>
        <dd>{LABEL_NAMES[bug.label]}</dd>
        <dt>Severity</dt>
        <dd>{SEVERITY_NAMES[bug.severity]}</dd>
        <dt>Status</dt>
        <dd>
          {STATUS_NAMES[bug.status]}
          {bug.closed_at
            ? ` on ${day(bug.closed_at)}${bug.closed_by_username ? ` by ${isTombstoneUsername(bug.closed_by_username) ? 'deleted user' : bug.closed_by_username}` : ''}`
            : ''}
        </dd>
        <dt>Reported</dt>
        <dd>
          <When iso={bug.created_at} /> by <UserName username={bug.username} />
        </dd>
      </dl>
      <UpvoteControl bug={bug} actions={actions} />
      {actions.canClose || actions.canMarkSpam ? (
        <div class="bug-actions">
          {actions.canClose && bug.status !== 'spam' ? (
            <form method="post" action={`/api/bugs/${bug.id}/status`} class="inline">
              <FormToken />
              <input type="hidden" name="status" value={bug.status === 'open' ? 'closed' : 'open'} />
              <button type="submit" class="secondary">
                {bug.status === 'open' ? 'Close bug' : 'Reopen bug'}
              </button>
            </form>
          ) : null}
          {actions.canMarkSpam && bug.status !== 'spam' ? (
            <form method="post" action={`/api/bugs/${bug.id}/status`} class="inline">
              <FormToken />
              <input type="hidden" name="status" value="spam" />
              <button type="submit" class="danger">
                Mark as spam
              </button>
            </form>
          ) : null}
        </div>
      ) : null}
      <h2>Description</h2>
      {bug.description ? <p class="description">{bug.description}</p> : <p class="muted">No description given.</p>}
      <CommentsSection
        bugId={bug.id}
        comments={comments}
        signedIn={actions.signedIn}
        value={commentValue}
        error={commentError}
      />
    </article>
  );
}
