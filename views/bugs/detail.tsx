import type { BugDetail } from '../../worker/db/bugs';
import type { Screenshot } from '../../worker/db/screenshots';
import type { TimelineEvent } from '../../worker/db/states';
import { isTombstoneUsername } from '../../worker/lib/credentials';
import { Field, HtmxForm } from '../components/form';
import { day, LABEL_NAMES, SEVERITY_NAMES, STATE_NAMES } from '../components/format';
import { Markdown } from '../components/markdown';
import { UserName } from '../components/user-name';
import { When } from '../components/when';
import { DisclosurePanel, type DisclosureView } from './disclosure';
import { CommentBody, EditedNote, MarkdownPreview, PreviewButton, ScreenshotGallery } from './evidence';
import { type LifecycleView, StatePanel } from './state';
import { interleave } from './timeline';

/** What the viewer may do on a bug page; computed by the route, rendered here. */
export interface BugActions {
  signedIn: boolean;
  /** null: cannot upvote (signed out or own bug); otherwise whether they already have. */
  upvoted: boolean | null;
  canClose: boolean;
  canMarkSpam: boolean;
  /** Edit the report (reporter while open, admins any) and remove its screenshots. */
  canEdit?: boolean;
  /** Remove a screenshot: the reporter and admins, whatever the status. */
  canRemoveScreenshots?: boolean;
  /** Who is looking, for the Delete button on their own comments (admins: every comment). */
  viewer?: { id: number; admin: boolean } | null;
  /** The report's state and the moves this viewer may make (views/bugs/state.tsx). */
  life?: LifecycleView;
  /** Disclosure date, countdown and timeline (views/bugs/disclosure.tsx), for those who may see it. */
  disclosure?: DisclosureView | null;
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
  user_id: number;
  deleted_at: string | null;
}

/** One page of comments and the links to its neighbours (plain href, and htmx's fragment URL). */
export interface CommentsPageView {
  rows: CommentView[];
  total: number;
  /** Number of the first row in the thread, so lists number comments the same on every page. */
  start: number;
  older: { href: string; fragmentHref: string } | null;
  newer: { href: string; fragmentHref: string } | null;
  /** Timeline events in this page's span, shown in order among the comments. */
  events?: TimelineEvent[];
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
  viewer?: BugActions['viewer'];
  /** The comment being written, shown rendered (Preview); nothing was stored. */
  preview?: string | undefined;
}) {
  const { bugId, comments, viewer } = props;
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
        {interleave(comments.rows, comments.events, (cm) => (
          <li id={`comment-${cm.id}`}>
            <p class="comment-meta">
              <UserName username={cm.username} /> <When iso={cm.created_at} />
            </p>
            <CommentBody
              bugId={bugId}
              comment={{ id: cm.id, body: cm.body, deleted: cm.deleted_at !== null }}
              canDelete={!!viewer && (viewer.admin || viewer.id === cm.user_id)}
            />
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
          {props.preview !== undefined ? (
            <MarkdownPreview text={props.preview} label="Preview of your comment" />
          ) : null}
          <div class="form-actions">
            <button type="submit">Comment</button>
            <PreviewButton />
          </div>
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
  commentPreview,
  screenshots = [],
}: {
  bug: BugDetail;
  actions: BugActions;
  comments: CommentsPageView;
  commentValue?: string | undefined;
  commentError?: string | undefined;
  commentPreview?: string | undefined;
  screenshots?: (Screenshot & { url: string })[];
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
        <dt>State</dt>
        <dd id="bug-state">
          {STATE_NAMES[bug.state]}
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
      {actions.life ? <StatePanel bugId={bug.id} life={actions.life} /> : null}
      {actions.disclosure ? <DisclosurePanel view={actions.disclosure} /> : null}
      <EditedNote bugId={bug.id} editedAt={bug.edited_at} canEdit={actions.canEdit === true} />
      <h2>Description</h2>
      {bug.description ? (
        <Markdown text={bug.description} class="description" />
      ) : (
        <p class="muted">No description given.</p>
      )}
      <ScreenshotGallery bugId={bug.id} shots={screenshots} canRemove={actions.canRemoveScreenshots === true} />
      <CommentsSection
        bugId={bug.id}
        comments={comments}
        signedIn={actions.signedIn}
        value={commentValue}
        error={commentError}
        viewer={actions.viewer}
        preview={commentPreview}
      />
    </article>
  );
}
