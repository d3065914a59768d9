import { zValidator } from '@hono/zod-validator';
import { type Context, Hono } from 'hono';
import { type SqlBool, sql } from 'kysely';
import { z } from 'zod';
import { FlagQueuePage, ResolvedRow } from '../../views/admin-flags';
import { BugDetailView } from '../../views/bugs/detail';
import { FlagControl, type LifecycleView, SpamConfirm } from '../../views/bugs/state';
import type { DB } from '../db';
import { type BugDetail, findBugById } from '../db/bugs';
import { actorFor, ownsBugDomain } from '../db/owners';
import { FLAG_REASONS, STATES, type State } from '../db/schema';
import { deleteBugScreenshots } from '../db/screenshots';
import {
  addFlag,
  changeState,
  duplicatesOf,
  duplicateTarget,
  entryEvent,
  flagQueue,
  hasFlagged,
  markSpam,
  originalOf,
  resolveFlagsStatement,
  type StateRow,
  stateRow,
  timeline,
} from '../db/states';
import * as api from '../lib/api-schemas';
import { apiError, fail, jsonError } from '../lib/errors';
import { type WriteRefusal, writeSlot } from '../lib/limits';
import { enqueueMail } from '../lib/mail';
import { representation } from '../lib/negotiate';
import { stateMail } from '../lib/notify';
import { operation } from '../lib/openapi';
import { afterWrite, respond } from '../lib/respond';
import {
  type Actor,
  eventKind,
  isAllowedMove,
  isOwnerOf,
  type Move,
  mayMoveState,
  movesFor,
  REOPENABLE,
  TRANSITIONS,
} from '../lib/states';
import { fieldErrors, formOrJson, keptFields, plainText, rejectInvalid } from '../lib/validation';
import type { AppEnv, SessionUser } from '../types';
import { bugPage } from './bugs';

const ID = ':id{[0-9]{1,15}}';

/** What the bug page's state panel shows this viewer (see views/bugs/state.tsx). */
/** The lifecycle reads that need only the bug's id, so the bug page starts them with its row. */
export type LifecycleReads = {
  duplicates: ReturnType<typeof duplicatesOf>;
  flagged: Promise<boolean>;
  /** Whether the viewer owns the bug's domain (signed-in non-admins only). */
  owner?: Promise<boolean>;
};
export function lifecycleReads(db: DB, bugId: number, user: SessionUser | null): LifecycleReads {
  return {
    duplicates: duplicatesOf(db, bugId, user),
    flagged: user ? hasFlagged(db, bugId, user.id) : Promise.resolve(false),
    owner: user && user.role !== 'admin' ? ownsBugDomain(db, user.id, bugId) : undefined,
  };
}

export async function lifecycleFor(
  db: DB,
  bug: BugDetail,
  user: SessionUser | null,
  started: LifecycleReads = lifecycleReads(db, bug.id, user),
): Promise<LifecycleView> {
  const subject = { user_id: bug.user_id, domain_id: bug.domain_id, state: bug.state, closed_by: bug.closed_by };
  const actor = await actorFor(db, user, bug.domain_id, started.owner);
  const moves = movesFor(actor, subject);
  const [original, duplicates, reopenTo, flagged] = await Promise.all([
    bug.state === 'duplicate' && bug.duplicate_of !== null ? originalOf(db, bug.duplicate_of, user) : undefined,
    started.duplicates,
    moves.reopen ? entryEvent(db, bug.id, bug.state).then((e) => e?.from_state ?? 'new') : null,
    user && bug.user_id !== user.id ? started.flagged : false,
  ]);
  return {
    state: bug.state,
    original: original ?? null,
    duplicates,
    moves: moves.to.filter((s) => s !== 'spam'),
    reopenTo,
    canMarkSpam: moves.to.includes('spam'),
    manages: user?.role === 'admin' || (bug.user_id !== user?.id && isOwnerOf(actor, subject)),
    canFlag: user !== null && bug.user_id !== user.id && bug.state !== 'spam',
    flagged,
  };
}

function signedInUser(c: Context): SessionUser {
  const user = c.var.user;
  if (!user) fail(401, 'Log in to do that.');
  return user;
}

function adminUser(c: Context): SessionUser {
  const user = signedInUser(c);
  if (user.role !== 'admin') fail(403, 'Only admins can do that.');
  return user;
}

async function visibleBug(c: Context, id: string | undefined): Promise<BugDetail> {
  const bug = id === undefined ? undefined : await findBugById(c.var.db, Number(id), c.var.user);
  if (!bug) fail(404, 'There is no bug with that number, or it is private.');
  return bug;
}

/** The bug as JSON for scripts: every column the page shows, plus its timeline. */
async function bugJson(db: DB, id: number, user: SessionUser) {
  const bug = (await findBugById(db, id, user)) ?? fail(404);
  return { ...bug, timeline: await timeline(db, id) };
}

/** The report after a change, for htmx to swap in place of the old one (#bug). */
async function freshBugView(c: Context, id: number, life?: Partial<LifecycleView>) {
  const bug = (await findBugById(c.var.db, id, c.var.user)) ?? fail(404);
  const { actions, comments } = await bugPage(c.var.db, bug, c.var.user);
  if (actions.life && life) actions.life = { ...actions.life, ...life };
  return <BugDetailView bug={bug} actions={actions} comments={comments} />;
}

/** The one spam transition of the routes (state form, spam confirm step, flag queue). */
export async function markAsSpam(c: Context, bug: { id: number }, note: string, resolveFlags = false) {
  const user = adminUser(c);
  const db = c.var.db;
  const moved = await markSpam(db, bug, {
    actorId: user.id,
    note,
    also: resolveFlags
      ? (ev) => [
          db
            .updateTable('bug_flags')
            .set({ resolved_at: new Date().toISOString(), resolved_by: user.id, resolution: 'spam' })
            .where('bug_id', '=', bug.id)
            .where('resolved_at', 'is', null)
            .where(sql<SqlBool>`${ev} IS NOT NULL`)
            .compile(),
        ]
      : undefined,
  });
  // Spam takes its screenshots with it, for good: undoing spam brings back the report, not them.
  if (moved) await deleteBugScreenshots(db, c.env.SCREENSHOTS, [bug.id]);
  return moved;
}

const stateSchema = z.object({
  state: z.enum(STATES, { error: 'Choose one of the states.' }),
  note: z
    .string({ error: 'The note must be text.' })
    .trim()
    .max(2000, 'A note can be at most 2,000 characters.')
    .check(plainText('The note', { multiline: true }))
    .default(''),
  // Form text ("42", "#42") or, from a JSON client, a number.
  duplicate_of: z
    .union(
      [
        z.int().min(1).max(Number.MAX_SAFE_INTEGER).transform(String),
        z
          .string()
          .trim()
          .regex(/^#?\d{0,15}$/, 'Give the number of the original report, such as 42.'),
      ],
      { error: 'Give the number of the original report, such as 42.' },
    )
    .default(''),
});

/** Why a requested move is refused: 403 (not yours to make) or 422 (a field to fix). */
export class MoveRefused extends Error {
  constructor(
    readonly status: 403 | 422,
    readonly fields: Partial<Record<string, string>>,
  ) {
    super(Object.values(fields)[0] ?? 'Refused.');
  }
}

/**
 * Works out the move a form asks for: a move the table lists, or a reopen (back to where the
 * report came from); checks who may make it, and the original of a duplicate. Writes nothing.
 */
export async function planMove(
  db: DB,
  user: Actor,
  row: StateRow,
  to: State,
  duplicateRaw: string,
): Promise<{ move: Move; duplicateOf: number | null }> {
  let move: Move = { to, reopen: false };
  if (!TRANSITIONS[row.state].includes(to) && REOPENABLE.includes(row.state)) {
    const back = (await entryEvent(db, row.id, row.state))?.from_state ?? 'new';
    if (to === back) move = { to, reopen: true };
  }
  if (!mayMoveState(user, row, move)) {
    throw new MoveRefused(403, { state: 'You may not move this report to that state.' });
  }
  if (!isAllowedMove(row.state, move)) {
    throw new MoveRefused(422, { state: `A report in this state cannot move to “${to}”.` });
  }
  const dup = duplicateRaw.replace(/^#/, '');
  // A reopen goes back to where the report was, its original (if a duplicate) included.
  if (to !== 'duplicate' || move.reopen) {
    if (dup !== '') throw new MoveRefused(422, { duplicate_of: 'Only a duplicate has an original: leave it empty.' });
    return { move, duplicateOf: null };
  }
  if (dup === '') throw new MoveRefused(422, { duplicate_of: 'Give the number of the original report.' });
  const id = Number(dup);
  if (id === row.id) throw new MoveRefused(422, { duplicate_of: 'A report cannot be a duplicate of itself.' });
  const target = await duplicateTarget(db, id);
  if (!target) throw new MoveRefused(422, { duplicate_of: `There is no report #${id}.` });
  if (target.domain_id !== row.domain_id) {
    throw new MoveRefused(422, { duplicate_of: 'The original must be a report on the same site.' });
  }
  if (target.state === 'spam' || target.state === 'duplicate') {
    throw new MoveRefused(422, {
      duplicate_of: `Report #${id} is itself ${target.state === 'spam' ? 'spam' : 'a duplicate'}: choose its original.`,
    });
  }
  if (target.is_hidden && !row.is_hidden) {
    throw new MoveRefused(422, { duplicate_of: 'A public report cannot point to a private one.' });
  }
  return { move, duplicateOf: id };
}

const states = new Hono<AppEnv>();

states.post(
  `/bugs/${ID}/state`,
  operation({
    summary: 'Move a report to another state (triage, outcome, duplicate, reopen)',
    tags: ['states'],
    scope: 'triage',
    body: stateSchema,
    responses: { 200: api.StateResponse },
  }),
  formOrJson((target) =>
    zValidator(target, stateSchema, async (result, c) => {
      if (result.success) return;
      signedInUser(c);
      const bug = await visibleBug(c, c.req.param('id'));
      return stateFormAgain(c, bug, 422, fieldErrors(result.error));
    }),
  ),
  async (c) => {
    const user = signedInUser(c);
    const bug = await visibleBug(c, c.req.param('id'));
    const form = c.req.valid('form');
    const db = c.var.db;
    const row = (await stateRow(db, bug.id)) ?? fail(404);
    const actor = (await actorFor(db, user, row.domain_id)) ?? fail(401);
    let plan: Awaited<ReturnType<typeof planMove>>;
    try {
      plan = await planMove(db, actor, row, form.state, form.duplicate_of);
    } catch (err) {
      if (!(err instanceof MoveRefused)) throw err;
      if (err.status === 403) fail(403, err.message);
      return stateFormAgain(c, bug, 422, err.fields);
    }
    const done =
      plan.move.to === 'spam' && !plan.move.reopen
        ? await markAsSpam(c, bug, form.note)
        : await changeState(db, {
            bug: row,
            actorId: user.id,
            move: plan.move,
            kind: eventKind(actor, row, plan.move),
            note: form.note,
            duplicateOf: plan.duplicateOf,
            mail: stateMail(c, bug, form.note),
          });
    if (done) enqueueMail(c, done.mailIds);
    if (!done)
      return stateFormAgain(c, bug, 422, { form: 'The report changed meanwhile: look at it again and retry.' });
    return afterWrite(c, {
      to: `/bugs/${bug.id}#state-panel`,
      json: async () => ({ bug: await bugJson(db, bug.id, user) }),
      fragment: () => freshBugView(c, bug.id),
    });
  },
);

/** The report again with the state form showing what was sent and why it was refused. */
async function stateFormAgain(c: Context, bug: BugDetail, status: 422, errors: Partial<Record<string, string>>) {
  const values = keptFields(await c.req.parseBody(), ['state', 'note', 'duplicate_of']);
  if (representation(c) === 'json') return jsonError(c, apiError('validation_failed', undefined, errors));
  const view = await freshBugView(c, bug.id, { values, errors });
  return respond(c, { status, title: bug.title, page: () => view, json: () => null });
}

/** The spam confirm step: a page without JS, swapped into the state panel by htmx. */
states.get(
  `/bugs/${ID}/spam`,
  operation({
    summary: 'The spam confirm step (admins)',
    tokens: false,
    tags: ['browser'],
    responses: { 200: api.SpamConfirmResponse },
  }),
  async (c) => {
    adminUser(c);
    const bug = await visibleBug(c, c.req.param('id'));
    if (bug.state === 'spam') return c.redirect(`/bugs/${bug.id}`, 303);
    return respond(c, {
      title: `Mark as spam: ${bug.title}`,
      page: () => <SpamConfirm bugId={bug.id} title={bug.title} inPlace={false} />,
      fragment: () => <SpamConfirm bugId={bug.id} title={bug.title} inPlace />,
      json: () => ({ bug_id: bug.id, confirm: { method: 'POST', action: `/bugs/${bug.id}/state`, state: 'spam' } }),
    });
  },
);

const flagSchema = z.object({ reason: z.enum(FLAG_REASONS, { error: 'Choose what is wrong with the report.' }) });

function refuse(refusal: WriteRefusal): never {
  fail(429, refusal.message, { 'Retry-After': String(refusal.retryAfter) });
}

states.post(
  `/bugs/${ID}/flag`,
  operation({
    summary: 'Flag a report as suspicious',
    tags: ['states'],
    scope: 'triage',
    body: flagSchema,
    responses: { 201: api.FlagResponse, 200: api.FlagResponse },
  }),
  formOrJson((target) =>
    zValidator(target, flagSchema, async (result, c) => {
      if (result.success) return;
      signedInUser(c);
      const bug = await visibleBug(c, c.req.param('id'));
      const message = result.error.issues[0]?.message;
      return respond(c, {
        status: 422,
        title: bug.title,
        page: () => <FlagControl bugId={bug.id} flagged={false} error={message} />,
        json: () => apiError('validation_failed', undefined, { reason: message }),
      });
    }),
  ),
  async (c) => {
    const user = signedInUser(c);
    const bug = await visibleBug(c, c.req.param('id'));
    if (bug.user_id === user.id) fail(403, 'You cannot flag your own report.');
    const { reason } = c.req.valid('form');
    const refusal = await writeSlot(c, 'flag');
    if (refusal) refuse(refusal);
    const created = await addFlag(c.var.db, bug.id, user.id, reason);
    return afterWrite(c, {
      to: `/bugs/${bug.id}#flag`,
      status: created ? 201 : 200,
      json: () => ({ bug_id: bug.id, flagged: true, created }),
      fragment: () => <FlagControl bugId={bug.id} flagged />,
    });
  },
);

states.get(
  '/admin/flags',
  operation({
    summary: 'Reports flagged as suspicious (admins)',
    tokens: false,
    tags: ['browser'],
    responses: { 200: api.FlagQueueResponse },
  }),
  async (c) => {
    adminUser(c);
    const rows = await flagQueue(c.var.db);
    return respond(c, {
      title: 'Flagged reports',
      page: () => <FlagQueuePage rows={rows} />,
      json: () => ({ flagged: rows }),
    });
  },
);

const resolveSchema = z.object({
  resolution: z.enum(['kept', 'spam'], { error: 'Resolve a flag with kept or spam.' }),
});

states.post(
  `/admin/flags/${ID}/resolve`,
  operation({
    summary: 'Resolve the flags of a report (admins)',
    tags: ['states'],
    scope: 'triage',
    body: resolveSchema,
    responses: { 200: api.FlagResolvedResponse },
  }),
  formOrJson((target) => zValidator(target, resolveSchema, rejectInvalid())),
  async (c) => {
    const user = adminUser(c);
    const bug = (await findBugById(c.var.db, Number(c.req.param('id')), user)) ?? fail(404);
    const { resolution } = c.req.valid('form');
    if (resolution === 'kept' || bug.state === 'spam') {
      await c.var.db.batch([resolveFlagsStatement(c.var.db, bug.id, user.id, resolution)]);
    } else {
      await markAsSpam(c, bug, 'Flagged as suspicious by users.', true);
    }
    return afterWrite(c, {
      to: '/admin/flags',
      json: () => ({ bug_id: bug.id, resolution }),
      fragment: () => <ResolvedRow bugId={bug.id} resolution={resolution} />,
    });
  },
);

export default states;
