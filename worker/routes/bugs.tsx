import { zValidator } from '@hono/zod-validator';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import {
  type BugActions,
  BugDetailView,
  type CommentsPageView,
  CommentsSection,
  UpvoteControl,
} from '../../views/bugs/detail';
import { BugResults, BugRows, BugsPage } from '../../views/bugs/list';
import {
  ReportForm,
  ReportPage,
  type ReportValues,
  SimilarBugs,
  SimilarPage,
  type SimilarResult,
} from '../../views/bugs/report';
import { qs } from '../../views/components/format';
import { renderMarkdown } from '../../views/components/markdown';
import { FragmentTitle } from '../../views/layout';
import { requestContactLookup } from '../contact';
import type { DB } from '../db';
import {
  type BugDetail,
  type BugFilters,
  type Cursor,
  decodeCursor,
  encodeCursor,
  findBugById,
  insertBug,
  listBugs,
  STATUS_FILTERS,
  similarBugs,
  similarByTitle,
} from '../db/bugs';
import { firstPost, isDuplicatePost, postKey } from '../db/dedupe';
import { addComment, type CommentPage, commentPage, hasUpvoted, setOpenClosed, toggleUpvote } from '../db/interactions';
import { LABELS, SEVERITIES } from '../db/schema';
import { discardScreenshots, listScreenshots, putScreenshots } from '../db/screenshots';
import { stateRow, timeline } from '../db/states';
import * as api from '../lib/api-schemas';
import { apiError, fail } from '../lib/errors';
import { clientIp, type WriteRefusal, writeSlot } from '../lib/limits';
import { enqueueMail } from '../lib/mail';
import { recordEvent } from '../lib/metrics';
import { representation } from '../lib/negotiate';
import { commentNotices, reportNotices } from '../lib/notify';
import { operation } from '../lib/openapi';
import { afterWrite, respond } from '../lib/respond';
import { mayMoveState } from '../lib/states';
import { canEdit, canRemoveScreenshots, readScreenshots, screenshotsJson, screenshotsView } from '../lib/uploads';
import { checkReportUrl, isValidHostname, parseReportUrl } from '../lib/url';
import {
  checkbox,
  cursorSchema,
  DEFAULT_PAGE_SIZE,
  fieldErrors,
  formOrJson,
  keptFields,
  limitSchema,
  plainText,
  rejectInvalid,
} from '../lib/validation';
import type { AppEnv, SessionUser } from '../types';
import { disclosureFor, disclosureParts } from './disclosure';
import { lifecycleFor, lifecycleReads, markAsSpam } from './states';

/** Query of every bug list; unknown values are a 400, not silently "all". */
export const listQuery = z.object({
  label: z.enum(['', ...LABELS], { error: 'Unknown label.' }).optional(),
  severity: z.enum(['', ...SEVERITIES], { error: 'Unknown severity.' }).optional(),
  status: z
    .enum(['', ...STATUS_FILTERS], { error: 'Status must be open, ended, resolved or one state, such as triaged.' })
    .optional(),
  domain: z
    .string()
    .trim()
    .toLowerCase()
    .max(253)
    .refine((d) => d === '' || isValidHostname(d), 'Domain must be a host name such as example.com.')
    .optional(),
  q: z.string().trim().max(200, 'Search at most 200 characters.').check(plainText('The search')).optional(),
  before: cursorSchema(decodeCursor),
  limit: limitSchema,
});

/** Report form fields (scripts post the same names). Messages are written for people. */
export const reportSchema = z.object({
  url: z
    .string({ error: 'Enter the address of the page with the bug.' })
    .trim()
    .min(1, 'Enter the address of the page with the bug.')
    .max(2048, 'The address can be at most 2,048 characters.')
    .check(plainText('The address'))
    .superRefine((u, ctx) => {
      const r = checkReportUrl(u);
      if (r.ok) return;
      ctx.addIssue({
        code: 'custom',
        message:
          r.reason === 'url'
            ? 'Enter a full address starting with http:// or https://.'
            : `${r.hostname || 'The site'} is not a valid host name: use the site's name, such as example.com.`,
      });
    }),
  title: z
    .string({ error: 'Give the bug a title.' })
    .trim()
    .min(5, 'The title needs at least 5 characters.')
    .max(200, 'The title can be at most 200 characters.')
    .check(plainText('The title')),
  description: z
    .string({ error: 'The description must be text.' })
    .max(10_000, 'The description can be at most 10,000 characters.')
    .check(plainText('The description', { multiline: true }))
    .default(''),
  label: z.enum(LABELS, { error: 'Choose one of the labels.' }).default('general'),
  severity: z.enum(SEVERITIES, { error: 'Choose one of the severities.' }).default('none'),
  private: checkbox('Private must be a checkbox.'),
});

/** Raw posted values, kept as text so the form shows exactly what was typed. */
function keptValues(raw: unknown): ReportValues {
  const kept = keptFields(raw, ['url', 'title', 'description', 'label', 'severity', 'private']);
  return { ...kept, private: kept.private !== undefined };
}

/**
 * After a refused or previewed report, a browser without JS has forgotten the files it sent:
 * true when there were any, so the form says to choose them again. htmx keeps them
 * (`data-hx-preserve` on the field), so its fragment says nothing.
 */
async function filesToChooseAgain(c: Context): Promise<boolean> {
  if (representation(c) !== 'page' || !/^multipart\/form-data/i.test(c.req.header('content-type') ?? '')) return false;
  return (await c.req.formData()).getAll('screenshots').some((f) => typeof f !== 'string' && f.size > 0);
}

/** Why a private report without a session was not filed, for scripts (pages show PrivateRefused). */
const PRIVATE_REFUSED =
  'Nothing was published: a private report needs you to be logged in, and you are not ' +
  '(your session may have expired, or you logged out on another device). ' +
  'Log in at /login?next=/bugs/new and send the report again.';

const bugs = new Hono<AppEnv>();

/** `/bugs` and `/api/bugs` are one resource: page, appendable rows, or JSON. */
const listHandler = zValidator('query', listQuery, rejectInvalid());

bugs.on(
  'GET',
  ['/bugs', '/api/bugs'],
  operation({
    summary: 'List bugs, newest first',
    tags: ['bugs'],
    query: listQuery,
    responses: { 200: api.BugListResponse },
  }),
  listHandler,
  async (c) => {
    const q = c.req.valid('query');
    const filters: BugFilters = {
      label: q.label || undefined,
      severity: q.severity || undefined,
      status: q.status || undefined,
      domain: q.domain || undefined,
      q: q.q || undefined,
    };
    const cursor = q.before;
    const { rows, next } = await listBugs(c.var.db, { filters, cursor, limit: q.limit });
    const nextQs = next
      ? qs({ ...filters, limit: q.limit === DEFAULT_PAGE_SIZE ? undefined : q.limit, before: encodeCursor(next) })
      : null;
    const list = {
      rows,
      nextHref: nextQs === null ? null : `/bugs${nextQs}`,
      nextFragmentHref: nextQs === null ? null : `/api/bugs${nextQs}`,
    };
    // htmx asking /bugs itself (the filter form) is a navigation: push the URL the plain form
    // would show, minus empty fields, and bring the title and the filter summary along.
    const navigation = c.req.path === '/bugs' && !cursor;
    const limit = q.limit === DEFAULT_PAGE_SIZE ? undefined : q.limit;
    return respond(c, {
      title: 'Bugs',
      page: () => <BugsPage filters={filters} {...list} />,
      fragment: () =>
        navigation ? (
          <BugResults filters={filters} {...list} />
        ) : (
          <BugRows {...list} emptyText={cursor ? undefined : 'No bugs match these filters.'} />
        ),
      json: () => ({ bugs: rows, next: next ? encodeCursor(next) : null }),
      pushUrl: navigation ? `/bugs${qs({ q: filters.q, ...filters, limit })}` : undefined,
      feed: { href: `/bugs.atom${qs({ ...filters })}`, title: 'These bugs (Atom)' },
    });
  },
);

bugs.get(
  '/bugs/new',
  operation({
    summary: 'The report form: its fields, labels and severities',
    tokens: false,
    tags: ['browser'],
    responses: { 200: api.NewReportFormResponse },
  }),
  (c) => {
    const url = c.req.query('url');
    const values = url && url.length <= 2048 ? { url } : {};
    return respond(c, {
      title: 'Report a bug',
      page: () => <ReportPage values={values} signedIn={c.var.user !== null} />,
      fragment: () => <ReportForm values={values} signedIn={c.var.user !== null} />,
      json: () => ({ fields: Object.keys(reportSchema.shape), labels: LABELS, severities: SEVERITIES }),
    });
  },
);

const keptText = z.string().optional().catch(undefined);
/** What the similar-bugs hint was given: the form's fields (GET), all optional, kept as typed. */
const similarQuery = z.object({
  url: z.string().max(2048).optional().catch(undefined),
  title: z.string().max(200).optional().catch(undefined),
  description: keptText,
  label: keptText,
  severity: keptText,
});

/** "Is it one of these?": open bugs on the same host first, then open bugs with similar titles. */
async function findSimilar(db: DB, url: string | undefined, title: string | undefined): Promise<SimilarResult> {
  const hostname = parseReportUrl(url ?? '')?.hostname ?? null;
  const [sameHost, byTitle] = await Promise.all([
    hostname ? similarBugs(db, hostname) : Promise.resolve([]),
    title?.trim() ? similarByTitle(db, title, hostname) : Promise.resolve([]),
  ]);
  return { hostname, title: title?.trim() || null, rows: sameHost, titleRows: byTitle };
}

bugs.get(
  '/api/bugs/similar',
  operation({
    summary: 'Open bugs like the one about to be reported',
    tags: ['bugs'],
    query: similarQuery,
    responses: { 200: api.SimilarResponse },
  }),
  zValidator('query', similarQuery, rejectInvalid()),
  async (c) => {
    const q = c.req.valid('query');
    const similar = await findSimilar(c.var.db, q.url, q.title);
    // Without JS, "Check for similar bugs" lands here: the hint, and the form to carry on with.
    const values = { url: q.url, title: q.title, description: q.description, label: q.label, severity: q.severity };
    return respond(c, {
      title: 'Similar bugs',
      page: () => <SimilarPage similar={similar} values={values} signedIn={c.var.user !== null} />,
      fragment: () => <SimilarBugs {...similar} />,
      json: () => ({ hostname: similar.hostname, bugs: similar.rows, title_matches: similar.titleRows }),
    });
  },
);

/** Which page of comments: the newest by default, or the one before / after a cursor. */
type CommentsAt = { before?: Cursor | null; after?: Cursor | null };

/** A page of comments with its links: `/bugs/:id?comments_before=…` and the htmx fragment URL. */
function commentsView(bugId: number, page: CommentPage): CommentsPageView {
  const link = (dir: 'before' | 'after', at: Cursor | null) =>
    at && {
      href: `/bugs/${bugId}?comments_${dir}=${encodeURIComponent(encodeCursor(at))}#comments`,
      fragmentHref: `/api/bugs/${bugId}/comments?${dir}=${encodeURIComponent(encodeCursor(at))}`,
    };
  return {
    rows: page.rows,
    total: page.total,
    start: page.start,
    older: link('before', page.older),
    newer: link('after', page.newer),
    events: page.events,
  };
}

/** The same page for scripts: rows, count, and the cursors of its neighbours. */
function commentsJson(page: CommentPage) {
  return {
    comments: page.rows,
    comments_total: page.total,
    comments_older: page.older && encodeCursor(page.older),
    comments_newer: page.newer && encodeCursor(page.newer),
  };
}

/**
 * The bug page's reads that need only the bug's id: the GET handler starts them before it awaits
 * the bug's row, so all go to D1 in one batch (ARCHITECTURE.md "One round trip per page"). If the
 * bug turns out not to be visible, they are dropped unread; none of them writes.
 */
export type BugPageReads = ReturnType<typeof bugPageReads>;
export function bugPageReads(db: DB, bugId: number, user: SessionUser | null, at: CommentsAt = {}) {
  const reads = {
    upvoted: user ? hasUpvoted(db, bugId, user.id) : Promise.resolve(null),
    page: commentPage(db, bugId, at),
    shots: listScreenshots(db, bugId),
    lifecycle: lifecycleReads(db, bugId, user),
    disclosure: disclosureParts(db, bugId),
  };
  for (const p of [
    reads.upvoted,
    reads.page,
    reads.shots,
    reads.lifecycle.duplicates,
    reads.lifecycle.flagged,
    reads.lifecycle.owner,
    reads.disclosure,
  ]) {
    p?.catch(() => {}); // a 404 leaves them unawaited; their errors surface where they are awaited
  }
  return reads;
}

/** What this viewer may do with this bug, and a page of its comments: everything the bug page needs. */
export async function bugPage(
  db: DB,
  bug: BugDetail,
  user: SessionUser | null,
  at: CommentsAt = {},
  started: BugPageReads = bugPageReads(db, bug.id, user, at),
) {
  const own = user !== null && bug.user_id === user.id;
  const admin = user?.role === 'admin';
  const [upvoted, page, shots, life, disclosure] = await Promise.all([
    own ? null : started.upvoted,
    started.page,
    started.shots,
    lifecycleFor(db, bug, user, started.lifecycle),
    disclosureFor(db, bug.id, user, undefined, started.disclosure, started.lifecycle.owner),
  ]);
  const actions: BugActions = {
    signedIn: user !== null,
    upvoted,
    canClose: own || admin,
    canMarkSpam: admin,
    canEdit: canEdit(bug, user),
    canRemoveScreenshots: canRemoveScreenshots(bug, user),
    viewer: user && { id: user.id, admin },
    life,
    disclosure,
  };
  const screenshots = screenshotsView(bug.id, shots);
  return { actions, comments: commentsView(bug.id, page), page, screenshots };
}

/** Comment cursors in the query; a malformed one is a 400, like every list's. */
const commentsAtSchema = z.object({
  comments_before: cursorSchema(decodeCursor),
  comments_after: cursorSchema(decodeCursor),
});
const commentsAtQuery = zValidator('query', commentsAtSchema, rejectInvalid());
const commentsPageSchema = z.object({ before: cursorSchema(decodeCursor), after: cursorSchema(decodeCursor) });
const commentsPageQuery = zValidator('query', commentsPageSchema, rejectInvalid());

/** The bug with `id` if this viewer may see it; otherwise the same 404 as a missing bug. */
async function visibleBug(c: Context, id: string | undefined): Promise<BugDetail> {
  const bug = id === undefined ? undefined : await findBugById(c.var.db, Number(id), c.var.user);
  if (!bug) fail(404, 'There is no bug with that number, or it is private.');
  return bug;
}

function signedInUser(c: Context): SessionUser {
  const user = c.var.user;
  if (!user) fail(401, 'Log in to do that.');
  return user;
}

const ID = ':id{[0-9]{1,15}}';

bugs.on(
  'GET',
  [`/bugs/${ID}`, `/api/bugs/${ID}`],
  operation({
    summary: 'A bug with its timeline and newest comments',
    tags: ['bugs'],
    query: commentsAtSchema,
    responses: { 200: api.BugResponse },
  }),
  commentsAtQuery,
  async (c) => {
    const q = c.req.valid('query');
    const at = { before: q.comments_before, after: q.comments_after };
    const id = Number(c.req.param('id'));
    // Everything but the bug's row needs only its id: started first, so one D1 round trip.
    const started = bugPageReads(c.var.db, id, c.var.user, at);
    const timelineRead = representation(c) === 'json' ? timeline(c.var.db, id) : Promise.resolve([]);
    timelineRead.catch(() => {});
    const bug = await visibleBug(c, c.req.param('id'));
    const { actions, comments, page, screenshots } = await bugPage(c.var.db, bug, c.var.user, at, started);
    const events = await timelineRead;
    return respond(c, {
      title: bug.title,
      description: `Bug on ${bug.hostname}: ${bug.title}`,
      page: () => <BugDetailView bug={bug} actions={actions} comments={comments} screenshots={screenshots} />,
      json: () => ({
        bug: { ...bug, timeline: events, screenshots: screenshotsJson(screenshots) },
        ...commentsJson(page),
      }),
    });
  },
);

/** One page of comments: the section for htmx, the bug page showing that page, or JSON. */
bugs.get(
  `/api/bugs/${ID}/comments`,
  operation({
    summary: 'A page of comments',
    tags: ['comments'],
    query: commentsPageSchema,
    responses: { 200: api.CommentsResponse },
  }),
  commentsPageQuery,
  async (c) => {
    const bug = await visibleBug(c, c.req.param('id'));
    const at = c.req.valid('query');
    const { actions, comments, page, screenshots } = await bugPage(c.var.db, bug, c.var.user, at);
    return respond(c, {
      title: bug.title,
      page: () => <BugDetailView bug={bug} actions={actions} comments={comments} screenshots={screenshots} />,
      fragment: () => (
        <CommentsSection bugId={bug.id} comments={comments} signedIn={actions.signedIn} viewer={actions.viewer} />
      ),
      json: () => commentsJson(page),
    });
  },
);

/** JSON callers and buttons get the 429 from onError (page, fragment or JSON, with Retry-After). */
function refuse(refusal: WriteRefusal): never {
  fail(429, refusal.message, { 'Retry-After': String(refusal.retryAfter) });
}

bugs.post(
  `/api/bugs/${ID}/upvote`,
  operation({
    summary: 'Upvote a bug, or take the upvote back',
    tags: ['bugs'],
    scope: 'report',
    responses: { 200: api.UpvoteResponse },
  }),
  async (c) => {
    const user = signedInUser(c);
    const bug = await visibleBug(c, c.req.param('id'));
    if (bug.user_id === user.id) fail(403, 'You cannot upvote your own bug.');
    const refusal = await writeSlot(c, 'upvote');
    if (refusal) refuse(refusal);
    const { upvoted, upvotes } = await toggleUpvote(c.var.db, bug.id, user.id);
    return afterWrite(c, {
      to: `/bugs/${bug.id}`,
      json: () => ({ upvoted, upvotes }),
      fragment: () => (
        <UpvoteControl
          bug={{ id: bug.id, upvotes }}
          actions={{ signedIn: true, upvoted, canClose: false, canMarkSpam: false }}
        />
      ),
    });
  },
);

const commentSchema = z.object({
  body: z
    .string({ error: 'Write a comment first.' })
    .trim()
    .min(1, 'Write a comment first.')
    .max(5000, 'A comment can be at most 5,000 characters.')
    .check(plainText('The comment', { multiline: true })),
});

bugs.post(
  `/api/bugs/${ID}/comments`,
  operation({
    summary: 'Comment on a bug (`intent=preview` renders without storing)',
    tags: ['comments'],
    scope: 'comment',
    body: commentSchema,
    responses: { 201: api.NewCommentResponse, 200: api.NewCommentResponse },
  }),
  async function previewComment(c, next) {
    const raw = await c.req.parseBody();
    if (raw.intent !== 'preview') return next();
    // Preview: the comment form again with the text rendered; nothing is written.
    const user = signedInUser(c);
    const bug = await visibleBug(c, c.req.param('id'));
    const text = typeof raw.body === 'string' ? raw.body : '';
    return commentFormAgain(c, bug, user, 200, text, undefined, text);
  },
  formOrJson((target) =>
    zValidator(target, commentSchema, async (result, c) => {
      if (result.success) return;
      const user = signedInUser(c);
      const bug = await visibleBug(c, c.req.param('id'));
      const raw = z.object({ body: z.string().optional().catch(undefined) }).safeParse(await c.req.parseBody());
      return commentFormAgain(
        c,
        bug,
        user,
        422,
        raw.success ? raw.data.body : undefined,
        result.error.issues[0]?.message,
      );
    }),
  ),
  async (c) => {
    const user = signedInUser(c);
    const bug = await visibleBug(c, c.req.param('id'));
    const { body } = c.req.valid('form');
    const refusal = await writeSlot(c, 'comment');
    if (refusal) {
      if (representation(c) === 'json') refuse(refusal);
      return commentFormAgain(c, bug, user, 429, body, refusal.message);
    }
    const key = await postKey('comment', `user:${user.id}`, [bug.id, body]);
    let id: number | undefined;
    let created = true;
    try {
      const notices = await commentNotices(c, bug, user);
      id = await addComment(c.var.db, { bugId: bug.id, userId: user.id, body, dedupeKey: key, notices });
      enqueueMail(c, notices.mailIds);
    } catch (err) {
      if (!isDuplicatePost(err)) throw err;
      // The same comment from the same user within a minute: answer with the first one.
      id = await firstPost(c.var.db, key);
      created = false;
      if (id === undefined) throw err;
    }
    return afterWrite(c, {
      to: `/bugs/${bug.id}#comment-${id}`,
      status: created ? 201 : 200,
      json: async () => {
        const page = await commentPage(c.var.db, bug.id);
        return { comment: page.rows.find((cm) => cm.id === id) };
      },
      fragment: async () => {
        const page = await commentPage(c.var.db, bug.id);
        const viewer = { id: user.id, admin: user.role === 'admin' };
        return <CommentsSection bugId={bug.id} comments={commentsView(bug.id, page)} signedIn viewer={viewer} />;
      },
    });
  },
);

/** The bug page (or its comments section) again with the comment typed and why it was refused. */
async function commentFormAgain(
  c: Context,
  bug: BugDetail,
  user: SessionUser,
  status: 200 | 422 | 429,
  value: string | undefined,
  error: string | undefined,
  preview?: string,
) {
  const { actions, comments, screenshots } = await bugPage(c.var.db, bug, user);
  return respond(c, {
    status,
    title: bug.title,
    page: () => (
      <BugDetailView
        bug={bug}
        actions={actions}
        comments={comments}
        commentValue={value}
        commentError={error}
        commentPreview={preview}
        screenshots={screenshots}
      />
    ),
    fragment: () => (
      <CommentsSection
        bugId={bug.id}
        comments={comments}
        signedIn
        value={value}
        error={error}
        viewer={actions.viewer}
        preview={preview}
      />
    ),
    json: () =>
      preview !== undefined
        ? { preview: renderMarkdown(preview) }
        : status === 429
          ? apiError('rate_limited', error)
          : apiError('validation_failed', undefined, { body: error }),
  });
}

const statusSchema = z.object({
  status: z.enum(['open', 'closed', 'spam'], { error: 'Status must be open, closed or spam.' }),
});

bugs.post(
  `/api/bugs/${ID}/status`,
  operation({
    summary: 'Close, reopen or mark spam (the old switch)',
    tags: ['states'],
    scope: 'triage',
    body: statusSchema,
    responses: { 200: api.StatusResponse },
  }),
  formOrJson((target) => zValidator(target, statusSchema, rejectInvalid())),
  async (c) => {
    const user = signedInUser(c);
    const bug = await visibleBug(c, c.req.param('id'));
    const { status } = c.req.valid('form');
    const admin = user.role === 'admin';
    if (status === 'spam') {
      if (!admin) fail(403, 'Only admins can mark bugs as spam.');
      if (bug.status !== 'spam') await markAsSpam(c, bug, '');
    } else {
      // The old switch as moves of the report's life (db/interactions.ts setOpenClosed): a
      // reporter withdraws an open report and reopens only their own withdrawal.
      if (!admin && bug.user_id !== user.id) fail(403, 'Only the reporter or an admin can close or reopen a bug.');
      if (bug.status === 'spam') fail(403, 'A bug marked as spam stays closed.');
      const row = (await stateRow(c.var.db, bug.id)) ?? fail(404);
      const move = status === 'closed' ? { to: 'closed' as const, reopen: false } : { to: row.state, reopen: true };
      if (!mayMoveState(user, row, move)) fail(403, 'Only an admin can make that change to this report.');
      await setOpenClosed(c.var.db, bug, status, user.id);
    }
    return afterWrite(c, { to: `/bugs/${bug.id}`, json: () => ({ id: bug.id, status }) });
  },
);

bugs.post(
  '/api/bugs',
  operation({
    summary: 'File a report (form fields, multipart with screenshots, or JSON with a token)',
    tags: ['bugs'],
    scope: 'report',
    body: reportSchema,
    responses: { 201: api.NewBugResponse, 200: api.NewBugResponse },
  }),
  async function previewReport(c, next) {
    const raw = await c.req.parseBody();
    if (raw.intent !== 'preview') return next();
    // Preview: the form again with the description rendered; nothing is stored.
    const values = keptValues(raw);
    const preview = values.description ?? '';
    const again = await filesToChooseAgain(c);
    const signedIn = c.var.user !== null;
    return respond(c, {
      title: 'Report a bug',
      page: () => <ReportPage values={values} preview={preview} filesRefused={again} signedIn={signedIn} />,
      fragment: () => <ReportForm values={values} preview={preview} filesRefused={again} signedIn={signedIn} />,
      json: () => ({ preview: renderMarkdown(preview) }),
    });
  },
  formOrJson((target) =>
    zValidator(target, reportSchema, async (result, c) => {
      if (result.success) return;
      // The hook's `data` is the parse result (undefined on failure); the parsed form is cached.
      const values = keptValues(await c.req.parseBody());
      const errors = fieldErrors(result.error);
      const found = await findSimilar(c.var.db, values.url, values.title);
      // On a form with errors, the hint appears only when it has something to show.
      const similar = found.rows.length + found.titleRows.length > 0 ? found : undefined;
      const again = await filesToChooseAgain(c);
      const signedIn = c.var.user !== null;
      return respond(c, {
        status: 422,
        title: 'Report a bug',
        page: () => (
          <ReportPage values={values} errors={errors} similar={similar} signedIn={signedIn} filesRefused={again} />
        ),
        fragment: () => (
          <ReportForm values={values} errors={errors} similar={similar} signedIn={signedIn} filesRefused={again} />
        ),
        json: () => apiError('validation_failed', undefined, errors),
      });
    }),
  ),
  async (c) => {
    const form = c.req.valid('form');
    const target = parseReportUrl(form.url);
    if (!target) fail(400);
    const user = c.var.user;
    // A report that asks to be private needs the account it is private to. Without a valid
    // session (none, expired, logged out elsewhere) it is refused, never stored publicly.
    if (form.private && !user) {
      const values = keptValues(await c.req.parseBody());
      const again = await filesToChooseAgain(c);
      return respond(c, {
        status: 422,
        title: 'Report a bug',
        page: () => <ReportPage values={values} signedIn={false} privateRefused filesRefused={again} />,
        fragment: () => <ReportForm values={values} signedIn={false} privateRefused filesRefused={again} />,
        json: () => apiError('unauthorized', PRIVATE_REFUSED),
      });
    }
    // Screenshots: every file sniffed, measured and stripped before anything is stored.
    const upload = await readScreenshots(c);
    if (!upload.ok) {
      const values = keptValues(await c.req.parseBody());
      const errors = { screenshots: upload.message };
      return respond(c, {
        status: 422,
        title: 'Report a bug',
        page: () => <ReportPage values={values} errors={errors} signedIn={user !== null} filesRefused />,
        fragment: () => <ReportForm values={values} errors={errors} signedIn={user !== null} filesRefused />,
        json: () => apiError('validation_failed', undefined, errors),
      });
    }
    const refusal = await writeSlot(c, 'report');
    if (refusal) {
      if (representation(c) === 'json') refuse(refusal);
      const values = keptValues(await c.req.parseBody());
      const errors = { form: refusal.message };
      const again = await filesToChooseAgain(c);
      return respond(c, {
        status: 429,
        title: 'Report a bug',
        page: () => <ReportPage values={values} errors={errors} signedIn={user !== null} filesRefused={again} />,
        fragment: () => <ReportForm values={values} errors={errors} signedIn={user !== null} filesRefused={again} />,
        json: () => apiError('rate_limited', refusal.message),
      });
    }
    const input = {
      url: target.url,
      hostname: target.hostname,
      title: form.title,
      description: form.description,
      label: form.label,
      severity: form.severity,
      isHidden: user !== null && form.private,
      userId: user?.id ?? null,
    };
    // The same report from the same author (their IP when anonymous) within a minute is one report.
    const author = user ? `user:${user.id}` : `ip:${clientIp(c)}`;
    const key = await postKey('report', author, [
      input.url,
      input.title,
      input.description,
      input.label,
      input.severity,
      input.isHidden,
      ...upload.digests,
    ]);
    const screenshots = await putScreenshots(c.env.SCREENSHOTS, upload.images);
    let id: number | undefined;
    let created = true;
    try {
      const notices = await reportNotices(c, input);
      id = await insertBug(c.var.db, { ...input, dedupeKey: key, screenshots, notices });
      enqueueMail(c, notices.mailIds);
    } catch (err) {
      // Nothing points at the bytes just put in R2: remove them before anything else.
      await discardScreenshots(c.env.SCREENSHOTS, screenshots);
      if (!isDuplicatePost(err)) throw err;
      id = await firstPost(c.var.db, key);
      created = false;
      if (id === undefined) throw err;
    }
    if (created) {
      recordEvent(c.env, 'report_filed');
      // The site's security.txt contact is looked up through a queue (worker/contact.ts).
      await requestContactLookup(c.var.db, c.env, target.hostname);
    }
    const location = `/bugs/${id}`;
    const saved = async () => (await findBugById(c.var.db, id, user)) ?? fail(404);
    return afterWrite(c, {
      to: location,
      status: created ? 201 : 200,
      json: async () => {
        const bug = await saved();
        c.header('Location', location);
        const shots = screenshotsJson(screenshotsView(bug.id, await listScreenshots(c.var.db, bug.id)));
        return { bug: { ...bug, screenshots: shots } };
      },
      fragment: async () => {
        const bug = await saved();
        // htmx: show the new bug in place of the whole main area and put its URL in history.
        c.header('HX-Retarget', '#main');
        c.header('HX-Reswap', 'innerHTML');
        c.header('HX-Push-Url', location);
        const page = await bugPage(c.var.db, bug, user);
        return (
          <>
            <FragmentTitle title={bug.title} />
            <BugDetailView bug={bug} actions={page.actions} comments={page.comments} screenshots={page.screenshots} />
          </>
        );
      },
    });
  },
);

export default bugs;
