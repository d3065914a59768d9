import { zValidator } from '@hono/zod-validator';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { CommentsSection } from '../../views/bugs/detail';
import { EditForm, EditPage, HistoryPage } from '../../views/bugs/edit';
import type { ReportValues } from '../../views/bugs/report';
import { renderMarkdown } from '../../views/components/markdown';
import { type BugDetail, findBugById } from '../db/bugs';
import { editBug, findComment, listRevisions, removeComment } from '../db/revisions';
import { LABELS, SEVERITIES } from '../db/schema';
import { deleteScreenshot, findScreenshot, objectKey } from '../db/screenshots';
import * as api from '../lib/api-schemas';
import { apiError, fail } from '../lib/errors';
import { operation } from '../lib/openapi';
import { afterWrite, respond } from '../lib/respond';
import { canEdit, canRemoveScreenshots } from '../lib/uploads';
import { parseReportUrl } from '../lib/url';
import { fieldErrors, formOrJson, keptFields, rejectInvalid } from '../lib/validation';
import type { AppEnv, SessionUser } from '../types';
import { bugPage, reportSchema } from './bugs';

/**
 * Evidence and edits (issue 11): screenshots served and removed, reports edited with their
 * history, comments removed. The report form's upload and Preview live in routes/bugs.tsx,
 * which uses the helpers exported here.
 */
const evidence = new Hono<AppEnv>();

const ID = ':id{[0-9]{1,15}}';
const KEY = ':key{[A-Za-z0-9_-]{32}}';

/** The bug with `id` if this viewer may see it; otherwise the same 404 as a missing bug. */
async function visibleBug(c: Context): Promise<BugDetail> {
  const bug = await findBugById(c.var.db, Number(c.req.param('id')), c.var.user);
  if (!bug) fail(404, 'There is no bug with that number, or it is private.');
  return bug;
}

function signedInUser(c: Context): SessionUser {
  const user = c.var.user;
  if (!user) fail(401, 'Log in to do that.');
  return user;
}

// --- Screenshots ---------------------------------------------------------------------------

/**
 * One screenshot, with the report's visibility: public reports' are cacheable for a day (not
 * immutable: removal and spam make it a 404), private ones `private, no-store` and a 404 for
 * anyone who may not see the report, spam ones a 404 for everyone. The bytes are served with
 * the sniffed type, nosniff and a sandbox CSP (app.tsx, middleware/uploads.ts), so even a file
 * that fooled the sniffer could never run as a page of this origin.
 */
evidence.get(`/bugs/${ID}/screenshots/${KEY}`, async (c) => {
  // The screenshot's row by the URL's id and key, in the same D1 batch as the visibility check
  // (ARCHITECTURE.md "One round trip per page"); R2 is read only once both allow it.
  const shotRead = findScreenshot(c.var.db, Number(c.req.param('id')), c.req.param('key'));
  shotRead.catch(() => {}); // unawaited when the bug is not visible
  const bug = await visibleBug(c);
  if (bug.status === 'spam') fail(404);
  const shot = await shotRead;
  if (!shot) fail(404, 'There is no such screenshot.');
  const object = await c.env.SCREENSHOTS.get(objectKey(shot.key));
  if (!object) fail(404, 'There is no such screenshot.');
  const isPublic = bug.is_hidden === 0;
  return new Response(object.body, {
    headers: {
      'Content-Type': shot.type,
      'Content-Length': String(object.size),
      'Cache-Control': isPublic ? 'public, max-age=86400' : 'private, no-store',
      ...(isPublic ? {} : { Vary: 'Cookie' }),
    },
  });
});

evidence.post(
  `/bugs/${ID}/screenshots/${KEY}/delete`,
  operation({
    summary: 'Remove a screenshot from a report',
    tags: ['bugs'],
    scope: 'report',
    responses: { 200: api.RemovedResponse },
  }),
  async (c) => {
    const user = signedInUser(c);
    const bug = await visibleBug(c);
    if (!canRemoveScreenshots(bug, user)) fail(403, 'Only the reporter or an admin can remove a screenshot.');
    const removed = await deleteScreenshot(c.var.db, c.env.SCREENSHOTS, bug.id, c.req.param('key'));
    if (!removed) fail(404, 'There is no such screenshot.');
    return afterWrite(c, { to: `/bugs/${bug.id}#screenshots-heading`, json: () => ({ removed: true }) });
  },
);

// --- Editing, with history -----------------------------------------------------------------

/** The edit form's fields: the report form's names, validated by the same rules. */
const editSchema = reportSchema.pick({ url: true, title: true, description: true, label: true, severity: true });

function keptEditValues(raw: unknown): ReportValues {
  return keptFields(raw, ['url', 'title', 'description', 'label', 'severity']);
}

function mayEdit(c: Context, bug: BugDetail): SessionUser {
  const user = signedInUser(c);
  if (!canEdit(bug, user)) {
    fail(
      403,
      bug.user_id === user.id
        ? 'This report is closed: only an admin can edit it now.'
        : 'Only the reporter (while the report is open) or an admin can edit a report.',
    );
  }
  return user;
}

evidence.get(
  `/bugs/${ID}/edit`,
  operation({
    summary: 'The edit form of a report',
    tokens: false,
    tags: ['browser'],
    responses: { 200: api.EditFormResponse },
  }),
  async (c) => {
    const bug = await visibleBug(c);
    mayEdit(c, bug);
    const values = {
      url: bug.url,
      title: bug.title,
      description: bug.description,
      label: bug.label,
      severity: bug.severity,
    };
    return respond(c, {
      title: `Edit: ${bug.title}`,
      page: () => <EditPage bugId={bug.id} title={bug.title} values={values} />,
      fragment: () => <EditForm bugId={bug.id} values={values} />,
      json: () => ({ bug: values, labels: LABELS, severities: SEVERITIES }),
    });
  },
);

evidence.post(
  `/bugs/${ID}/edit`,
  operation({
    summary: 'Edit a report (its reporter while open, or an admin)',
    tags: ['bugs'],
    scope: 'report',
    body: editSchema,
    responses: { 200: api.EditResponse },
  }),
  async function previewEdit(c, next) {
    const raw = await c.req.parseBody();
    if (raw.intent !== 'preview') return next();
    // Preview: the form again with the description rendered; nothing is written.
    const bug = await visibleBug(c);
    mayEdit(c, bug);
    const values = keptEditValues(raw);
    const preview = values.description ?? '';
    return respond(c, {
      title: `Edit: ${bug.title}`,
      page: () => <EditPage bugId={bug.id} title={bug.title} values={values} preview={preview} />,
      fragment: () => <EditForm bugId={bug.id} values={values} preview={preview} />,
      json: () => ({ preview: renderMarkdown(preview) }),
    });
  },
  formOrJson((target) =>
    zValidator(target, editSchema, async (result, c) => {
      if (result.success) return;
      const bug = await visibleBug(c);
      mayEdit(c, bug);
      const values = keptEditValues(await c.req.parseBody());
      const errors = fieldErrors(result.error);
      return respond(c, {
        status: 422,
        title: `Edit: ${bug.title}`,
        page: () => <EditPage bugId={bug.id} title={bug.title} values={values} errors={errors} />,
        fragment: () => <EditForm bugId={bug.id} values={values} errors={errors} />,
        json: () => apiError('validation_failed', undefined, errors),
      });
    }),
  ),
  async (c) => {
    const bug = await visibleBug(c);
    const user = mayEdit(c, bug);
    const form = c.req.valid('form');
    const target = parseReportUrl(form.url);
    if (!target) fail(400);
    const changed = await editBug(
      c.var.db,
      bug,
      {
        url: target.url,
        hostname: target.hostname,
        title: form.title,
        description: form.description,
        label: form.label,
        severity: form.severity,
      },
      user.id,
    );
    return afterWrite(c, {
      to: `/bugs/${bug.id}`,
      json: async () => ({ bug: await findBugById(c.var.db, bug.id, user), changed }),
    });
  },
);

evidence.on(
  'GET',
  [`/bugs/${ID}/history`, `/api/bugs/${ID}/history`],
  operation({ summary: "A report's edit history", tags: ['bugs'], responses: { 200: api.HistoryResponse } }),
  async (c) => {
    const bug = await visibleBug(c);
    const revisions = await listRevisions(c.var.db, bug.id);
    return respond(c, {
      title: `History: ${bug.title}`,
      page: () => <HistoryPage bug={bug} revisions={revisions} />,
      json: () => ({ id: bug.id, edited_at: bug.edited_at, revisions }),
    });
  },
);

// --- Removing comments ---------------------------------------------------------------------

const commentParam = zValidator(
  'param',
  z.object({ id: z.coerce.number().int(), cid: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) }),
  rejectInvalid(404, 'There is no such comment.'),
);

evidence.post(
  `/bugs/${ID}/comments/:cid{[0-9]{1,15}}/delete`,
  operation({
    summary: 'Remove a comment (its author or an admin)',
    tags: ['comments'],
    scope: 'comment',
    responses: { 200: api.CommentRemovedResponse },
  }),
  commentParam,
  async (c) => {
    const user = signedInUser(c);
    const bug = await visibleBug(c);
    const { cid } = c.req.valid('param');
    const comment = await findComment(c.var.db, bug.id, cid);
    if (!comment) fail(404, 'There is no such comment.');
    if (user.role !== 'admin' && comment.user_id !== user.id) {
      fail(403, 'Only its author or an admin can delete a comment.');
    }
    await removeComment(c.var.db, comment.id);
    return afterWrite(c, {
      to: `/bugs/${bug.id}#comment-${comment.id}`,
      json: () => ({ id: comment.id, removed: true }),
      fragment: async () => {
        const { actions, comments } = await bugPage(c.var.db, bug, user);
        return <CommentsSection bugId={bug.id} comments={comments} signedIn viewer={actions.viewer} />;
      },
    });
  },
);

export default evidence;
