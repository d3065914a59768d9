import type { BugDetail, BugFilters, BugListItem } from '../worker/db/bugs';
import { LABELS, SEVERITIES } from '../worker/db/schema';
import { BugItem } from './components/bug-item';
import { Field, FormToken, HtmxForm, Options } from './components/form';
import { day, LABEL_NAMES, qs, SEVERITY_NAMES, STATUS_NAMES } from './components/format';
import { When } from './components/when';

export interface BugListProps {
  rows: BugListItem[];
  /** URL of the next page for a plain link, and the same for htmx to append. */
  nextHref: string | null;
  nextFragmentHref: string | null;
  emptyText?: string;
  /** False on a reporter's own profile, where "by <name>" would repeat the page's title. */
  showReporter?: boolean;
}

/**
 * The rows of a list plus its "Older bugs" item. htmx swaps this whole fragment over the old
 * "Older bugs" item, which appends the next page in place; without JS it is a plain link.
 */
export function BugRows({ rows, nextHref, nextFragmentHref, emptyText, showReporter }: BugListProps) {
  return (
    <>
      {rows.map((bug) => (
        <BugItem bug={bug} showReporter={showReporter} />
      ))}
      {rows.length === 0 && emptyText ? <li class="empty">{emptyText}</li> : null}
      {nextHref ? (
        <li class="more">
          <a
            href={nextHref}
            data-hx-get={nextFragmentHref ?? nextHref}
            data-hx-target="closest li"
            data-hx-swap="outerHTML"
            rel="next"
            data-hx-indicator="closest li"
            data-hx-sync="this:drop"
          >
            Older bugs
          </a>
        </li>
      ) : null}
    </>
  );
}

export function BugList(props: BugListProps & { id?: string; label: string }) {
  return (
    <ol class="bug-list" id={props.id} aria-label={props.label}>
      <BugRows {...props} />
    </ol>
  );
}

function Select<T extends string>(props: {
  name: string;
  label: string;
  values: readonly T[];
  names: Record<T, string>;
  selected: string | undefined;
  any?: string;
}) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        {props.any ? <option value="">{props.any}</option> : null}
        <Options values={props.values} names={props.names} selected={props.selected} />
      </select>
    </label>
  );
}

/** "Label: Security · Open only", or "all bugs": what the collapsed filter form says it is showing. */
export function describeFilters(f: BugFilters): string {
  const parts = [
    f.q ? `Search: “${f.q}”` : null,
    f.label ? `Label: ${LABEL_NAMES[f.label]}` : null,
    f.severity ? `Severity: ${SEVERITY_NAMES[f.severity]}` : null,
    f.status ? `${STATUS_NAMES[f.status]} only` : null,
    f.domain ? `Domain: ${f.domain}` : null,
  ].filter((p): p is string => p !== null);
  return parts.length ? parts.join(' · ') : 'all bugs';
}

/** The summary line of the filter panel; an htmx filter swaps it out of band. */
function ActiveFilters({ filters, oob = false }: { filters: BugFilters; oob?: boolean }) {
  return (
    <span class="active-filters" id="active-filters" data-hx-swap-oob={oob ? 'true' : undefined}>
      {describeFilters(filters)}
    </span>
  );
}

/** What the htmx filter form gets back: the new rows, and the summary updated in place. */
export function BugResults(props: { filters: BugFilters } & BugListProps) {
  return (
    <>
      <ActiveFilters filters={props.filters} oob />
      <BugRows {...props} emptyText="No bugs match these filters." />
    </>
  );
}

/**
 * `/bugs`: the filter form and the first page of the list. The form sits in a `<details>`
 * whose summary names the active filters, so on a phone the list, not the form, fills the
 * first screen; it works the same without JS.
 */
export function BugsPage(props: { filters: BugFilters } & BugListProps) {
  const f = props.filters;
  return (
    <>
      <h1>Bugs</h1>
      <details class="filter-panel">
        <summary>
          <span class="filter-toggle">Filter</span> <span class="muted">Showing:</span> <ActiveFilters filters={f} />
        </summary>
        <form
          class="filters"
          method="get"
          action="/bugs"
          aria-label="Filter bugs"
          data-hx-get="/bugs"
          data-hx-target="#bug-list"
          data-hx-swap="innerHTML"
          data-hx-indicator="this, #bug-list"
          data-hx-disable="find button"
          data-hx-sync="this:replace"
        >
          <label class="wide">
            Search titles
            <input type="search" name="q" value={f.q ?? ''} maxlength={200} />
          </label>
          <Select name="label" label="Label" values={LABELS} names={LABEL_NAMES} selected={f.label} any="Any label" />
          <Select
            name="severity"
            label="Severity"
            values={SEVERITIES}
            names={SEVERITY_NAMES}
            selected={f.severity}
            any="Any severity"
          />
          <Select
            name="status"
            label="Status"
            values={['open', 'closed'] as const}
            names={STATUS_NAMES}
            selected={f.status}
            any="Open and closed"
          />
          <label>
            Domain
            <input type="text" name="domain" value={f.domain ?? ''} placeholder="example.com" maxlength={253} />
          </label>
          <button type="submit">Filter</button>
        </form>
      </details>
      <BugList id="bug-list" label="Bugs, newest first" {...props} emptyText="No bugs match these filters." />
    </>
  );
}

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
              <a href={`/users/${encodeURIComponent(cm.username)}`}>{cm.username}</a> <When iso={cm.created_at} />
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
            ? ` on ${day(bug.closed_at)}${bug.closed_by_username ? ` by ${bug.closed_by_username}` : ''}`
            : ''}
        </dd>
        <dt>Reported</dt>
        <dd>
          <When iso={bug.created_at} /> by{' '}
          {bug.username ? <a href={`/users/${encodeURIComponent(bug.username)}`}>{bug.username}</a> : 'anonymous'}
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

export interface ReportValues {
  url?: string | undefined;
  title?: string | undefined;
  description?: string | undefined;
  label?: string | undefined;
  severity?: string | undefined;
  private?: boolean | undefined;
}
export type FieldErrors = Partial<Record<keyof ReportValues | 'form', string>>;

/**
 * The report form. Posted without JS it answers 303 or this form again at 422; with htmx it
 * swaps itself (errors) or is replaced by the new bug. `novalidate` so the server's messages,
 * not the browser's, are what a user sees either way.
 */
export function ReportForm({
  values = {},
  errors = {},
  signedIn = false,
  privateRefused = false,
  similar,
}: {
  values?: ReportValues;
  errors?: FieldErrors;
  signedIn?: boolean;
  /** A private report arrived without a valid session: it was not stored; say so and how to log in. */
  privateRefused?: boolean;
  /** Already-known bugs like this one, shown under the address (422 page, no-JS check). */
  similar?: SimilarResult | undefined;
}) {
  return (
    <HtmxForm id="report-form" class="report-form" action="/api/bugs" errors={errors} novalidate>
      {privateRefused ? <PrivateRefused /> : null}
      <Field
        name="url"
        label="Address of the page with the bug"
        hint="Such as shop.example/cart (https:// is added when you leave it out). The site's domain is taken from it."
        errors={errors}
        type="text"
        inputmode="url"
        autocomplete="url"
        spellcheck={false}
        required
        maxlength={2048}
        value={values.url ?? ''}
        placeholder="shop.example/cart"
        data-hx-trigger="input changed delay:400ms, change"
        {...similarLookup('#title')}
      />
      <div id="similar" class="similar" aria-live="polite">
        {similar ? <SimilarBugs {...similar} /> : null}
      </div>

      <Field
        name="title"
        label="Title"
        errors={errors}
        type="text"
        required
        minlength={5}
        maxlength={200}
        value={values.title ?? ''}
        data-hx-trigger="change"
        {...similarLookup('#url')}
      />

      <Field
        as="textarea"
        name="description"
        label="What happens, and what should happen instead?"
        errors={errors}
        rows={6}
        maxlength={10000}
      >
        {values.description ?? ''}
      </Field>

      <div class="row">
        <div>
          <Field as="select" name="label" label="Label" errors={errors}>
            <Options values={LABELS} names={LABEL_NAMES} selected={values.label ?? 'general'} />
          </Field>
        </div>
        <div>
          <Field as="select" name="severity" label="Severity" errors={errors}>
            <Options values={SEVERITIES} names={SEVERITY_NAMES} selected={values.severity ?? 'none'} />
          </Field>
        </div>
      </div>
      {signedIn || values.private ? (
        <label class="check">
          <input type="checkbox" name="private" value="on" checked={values.private === true} /> Private report (only you
          and the admins can see it)
        </label>
      ) : (
        <p class="hint">
          You are reporting anonymously. <a href="/login?next=/bugs/new">Log in</a> to earn points and report privately.
        </p>
      )}
      <div class="form-actions">
        <button type="submit">Report bug</button>
        <noscript>
          <button type="submit" class="secondary" formaction="/api/bugs/similar" formmethod="get" formnovalidate>
            Check for similar bugs
          </button>
        </noscript>
      </div>
    </HtmxForm>
  );
}

/** The address and title fields ask for similar bugs as they change, each sending the other along. */
function similarLookup(other: string) {
  return {
    'data-hx-get': '/api/bugs/similar',
    'data-hx-include': other,
    'data-hx-target': '#similar',
    'data-hx-swap': 'innerHTML',
    'data-hx-indicator': '#similar',
  };
}

/** Shown when a private report came without a valid session: nothing was stored. */
function PrivateRefused() {
  return (
    <div class="error-summary" role="alert">
      <h2>Nothing was published</h2>
      <p>
        A private report needs you to be logged in, and you are not: your session may have expired, or you logged out on
        another device. Your report was not saved, and everything you typed is still below.
      </p>
      <p>
        <a href="/login?next=/bugs/new" target="_blank" rel="noopener">
          Log in
        </a>{' '}
        (it opens in a new tab, so this form stays as it is), then send the report again.
      </p>
    </div>
  );
}

export function ReportPage(props: {
  values?: ReportValues;
  errors?: FieldErrors;
  signedIn?: boolean;
  privateRefused?: boolean;
  similar?: SimilarResult | undefined;
}) {
  return (
    <>
      <h1>Report a bug</h1>
      <ReportForm {...props} />
    </>
  );
}

/** Bugs that may already be the one being reported. */
export interface SimilarResult {
  /** Host of the address typed, when it is one. */
  hostname: string | null;
  /** The title typed, when there is one. */
  title: string | null;
  /** Open bugs on that host. */
  rows: BugListItem[];
  /** Open bugs elsewhere whose titles share words with it. */
  titleRows: BugListItem[];
}

function SimilarList({ rows }: { rows: BugListItem[] }) {
  return (
    <ul class="similar-list">
      {rows.map((b) => (
        <li>
          <a href={`/bugs/${b.id}`}>{b.title}</a> <span class="muted">({b.hostname})</span>
        </li>
      ))}
    </ul>
  );
}

/** "Is it one of these?": open bugs on the same host first, then ones with similar titles. */
export function SimilarBugs({ hostname, title, rows, titleRows }: SimilarResult) {
  if (!hostname && !title) {
    return <p class="hint">Type the page's address or a title to see bugs already reported.</p>;
  }
  if (rows.length === 0 && titleRows.length === 0) {
    return (
      <p class="muted">
        {hostname ? `No open bugs reported on ${hostname} yet.` : 'No open bugs with a similar title yet.'}
        {hostname && title ? ' None elsewhere with a similar title either.' : ''}
      </p>
    );
  }
  return (
    <section aria-labelledby="similar-heading">
      <h2 id="similar-heading">Is it one of these?</h2>
      {rows.length > 0 ? (
        <>
          <p class="hint">Open bugs already reported on {hostname}:</p>
          <SimilarList rows={rows} />
        </>
      ) : null}
      {titleRows.length > 0 ? (
        <>
          <p class="hint">Open bugs with a similar title{hostname ? ' on other sites' : ''}:</p>
          <SimilarList rows={titleRows} />
        </>
      ) : null}
    </section>
  );
}

/** Without JS: the hint as a page of its own, with the form filled in to carry on. */
export function SimilarPage({
  similar,
  values,
  signedIn,
}: {
  similar: SimilarResult;
  values: ReportValues;
  signedIn: boolean;
}) {
  return (
    <>
      <h1>Similar bugs</h1>
      <SimilarBugs {...similar} />
      <h2>Not there? Report it</h2>
      <ReportForm values={values} signedIn={signedIn} />
    </>
  );
}

/** The domain page: its open and closed bugs, each with its own "Older bugs". */
export function DomainPage(props: {
  hostname: string;
  open: BugListProps;
  closed: BugListProps;
  topReporters: { username: string; bugs: number }[];
}) {
  const h = props.hostname;
  return (
    <>
      <h1>{h}</h1>
      <p>
        <a href={`/bugs/new${qs({ url: `https://${h}/` })}`}>Report a bug on {h}</a>
      </p>
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
      <h2 id="closed-heading">Closed bugs</h2>
      <BugList id="closed-bugs" label={`Closed bugs on ${h}`} {...props.closed} emptyText="No closed bugs." />
    </>
  );
}
