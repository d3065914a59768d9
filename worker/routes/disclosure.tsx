import { zValidator } from '@hono/zod-validator';
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { DisclosurePanel, type DisclosureView } from '../../views/bugs/disclosure';
import { publishedMail } from '../../views/disclosure-mail';
import type { DB } from '../db';
import {
  addDays,
  type DisclosureEvent,
  type DisclosureRow,
  disclosureEvents,
  disclosureRow,
  hasConsent,
  MAX_EXTENSION_DAYS,
  NEVER_PUBLISHED,
  publishBug,
  recordConsent,
  setDiscloseAt,
} from '../db/disclosure';
import { isDomainOwner } from '../db/owners';
import * as api from '../lib/api-schemas';
import { apiError, fail, jsonError } from '../lib/errors';
import { enqueueMail, publicLink } from '../lib/mail';
import { representation } from '../lib/negotiate';
import { operation } from '../lib/openapi';
import { afterWrite, respond } from '../lib/respond';
import { fieldErrors, formOrJson, keptFields, plainText } from '../lib/validation';
import type { AppEnv, SessionUser } from '../types';

/** Who the viewer is to this report, for the disclosure rules. */
interface Access {
  reporter: boolean;
  owner: boolean;
  admin: boolean;
}

async function accessOf(
  db: DB,
  bug: DisclosureRow,
  user: SessionUser | null,
  owner?: Promise<boolean>,
): Promise<Access> {
  if (!user) return { reporter: false, owner: false, admin: false };
  return {
    reporter: bug.user_id === user.id,
    owner: await (owner ?? isDomainOwner(db, user.id, bug.domain_id)),
    admin: user.role === 'admin',
  };
}

const today = () => new Date().toISOString().slice(0, 10);

/** Why the reporter may not publish yet, or null when they may. */
function reporterBlock(bug: DisclosureRow, consent: boolean): string | null {
  if (bug.state === 'fixed' || consent) return null;
  return 'You can publish this report yourself once it is fixed, or when an owner of the domain agrees.';
}

/**
 * The disclosure part of a bug page for this viewer, or null when there is nothing to show: only
 * people who may see the report get here, and a report that was never private has no disclosure.
 */
/** A bug's disclosure row and events: both by its id alone, so they go in one batch. */
export type DisclosureParts = [DisclosureRow | undefined, DisclosureEvent[]];
export function disclosureParts(db: DB, bugId: number): Promise<DisclosureParts> {
  return Promise.all([disclosureRow(db, bugId), disclosureEvents(db, bugId)]);
}

export async function disclosureFor(
  db: DB,
  bugId: number,
  user: SessionUser | null,
  form?: Pick<DisclosureView, 'values' | 'errors'>,
  parts: Promise<DisclosureParts> = disclosureParts(db, bugId),
  owner?: Promise<boolean>,
): Promise<DisclosureView | null> {
  const [bug, events] = await parts;
  if (!bug) return null;
  if (!bug.is_hidden && events.length === 0) return null;
  const access = await accessOf(db, bug, user, owner);
  const consent = events.some((e) => e.kind === 'consented');
  const isPrivate = bug.is_hidden === 1;
  const publishable = isPrivate && !NEVER_PUBLISHED.includes(bug.state);
  const ownerOnly = access.owner && !access.admin;
  return {
    bugId: bug.id,
    isPrivate,
    discloseAt: bug.disclose_at,
    today: today(),
    events,
    canExtend: publishable && ownerOnly && bug.disclosure_extended_at === null && bug.disclose_at !== null,
    canSetDate: publishable && access.admin,
    maxDate: bug.disclose_at ? addDays(bug.disclose_at, MAX_EXTENSION_DAYS) : null,
    canPublish: publishable && (access.admin || (access.reporter && reporterBlock(bug, consent) === null)),
    publishBlocked: publishable && access.reporter && !access.admin ? reporterBlock(bug, consent) : null,
    canConsent: publishable && ownerOnly && !access.reporter && !consent,
    ...form,
  };
}

/** The report if this viewer may see it (reporter, owner, admin, or anyone when public); else 404. */
async function visibleReport(c: Context): Promise<{ bug: DisclosureRow; access: Access; user: SessionUser }> {
  const id = Number(c.req.param('id'));
  const user = c.var.user;
  const bug = await disclosureRow(c.var.db, id);
  const access = bug ? await accessOf(c.var.db, bug, user) : null;
  const visible =
    bug && access && ((!bug.is_hidden && bug.state !== 'spam') || access.reporter || access.owner || access.admin);
  if (!bug || !access || !visible) fail(404, 'There is no bug with that number, or it is private.');
  if (!user) fail(401, 'Log in to do that.');
  return { bug, access, user };
}

/** 409: the report is not in a state this action applies to. */
function conflict(message: string): never {
  throw new HTTPException(409, { message });
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const disclosureSchema = z.object({
  disclose_at: z
    .string({ error: 'Choose a date.' })
    .trim()
    .regex(DATE, 'Give the date as YYYY-MM-DD.')
    .refine(
      (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
      'That is not a date.',
    ),
  reason: z
    .string({ error: 'Say why the date moves.' })
    .trim()
    .min(3, 'Say why the date moves (at least 3 characters).')
    .max(1000, 'The reason can be at most 1,000 characters.')
    .check(plainText('The reason', { multiline: true })),
});

/** The panel again with what was sent and why it was refused (422), or the JSON error. */
async function formAgain(c: Context, bugId: number, errors: Errors) {
  if (representation(c) === 'json') return jsonError(c, apiError('validation_failed', undefined, errors));
  const values = keptFields(await c.req.parseBody(), ['disclose_at', 'reason']);
  const view = await disclosureFor(c.var.db, bugId, c.var.user, { values, errors });
  if (!view) fail(404);
  return respond(c, {
    status: 422,
    title: 'Disclosure date',
    page: () => <DisclosurePanel view={view} />,
    json: () => null,
  });
}
type Errors = Partial<Record<string, string>>;

const disclosure = new Hono<AppEnv>();

const ID = ':id{[0-9]{1,15}}';

/**
 * `POST /bugs/:id/disclosure` (disclose_at, reason): an owner of the domain extends a private
 * report's date once, by at most 30 days; an admin sets any date. Reporters and everyone else
 * cannot (403 for the reporter, who sees the report; 404 for anyone who may not see it).
 */
disclosure.post(
  `/bugs/${ID}/disclosure`,
  operation({
    summary: "Move a private report's disclosure date (an owner's one extension, or an admin)",
    tags: ['disclosure'],
    scope: 'triage',
    body: disclosureSchema,
    responses: { 200: api.DisclosureResponse },
  }),
  formOrJson((target) =>
    zValidator(target, disclosureSchema, async (result, c) => {
      if (result.success) return;
      const { bug, access } = await visibleReport(c);
      if (!access.owner && !access.admin) fail(403, 'Only the domain’s owners and admins move the disclosure date.');
      return formAgain(c, bug.id, fieldErrors(result.error));
    }),
  ),
  async (c) => {
    const { bug, access, user } = await visibleReport(c);
    if (!access.owner && !access.admin) fail(403, 'Only the domain’s owners and admins move the disclosure date.');
    if (!bug.is_hidden || bug.disclose_at === null || NEVER_PUBLISHED.includes(bug.state)) {
      conflict('This report is not waiting for disclosure.');
    }
    const form = c.req.valid('form');
    const extension = !access.admin;
    if (extension) {
      if (bug.disclosure_extended_at !== null) {
        return formAgain(c, bug.id, { disclose_at: 'The owners already extended this report once.' });
      }
      const max = addDays(bug.disclose_at, MAX_EXTENSION_DAYS);
      if (form.disclose_at <= bug.disclose_at || form.disclose_at > max) {
        return formAgain(c, bug.id, {
          disclose_at: `Choose a date after ${bug.disclose_at} and no later than ${max} (30 days).`,
        });
      }
    }
    const mailIds = await setDiscloseAt(c.var.db, bug, {
      date: form.disclose_at,
      reason: form.reason,
      actorId: user.id,
      extension,
    });
    if (mailIds === null) return formAgain(c, bug.id, { form: 'The report changed meanwhile: look at it again.' });
    enqueueMail(c, mailIds);
    return afterWrite(c, {
      to: `/bugs/${bug.id}#disclosure`,
      json: () => ({ bug_id: bug.id, disclose_at: form.disclose_at, extended: extension }),
      fragment: async () => {
        const view = await disclosureFor(c.var.db, bug.id, user);
        return view ? <DisclosurePanel view={view} /> : <p>Saved.</p>;
      },
    });
  },
);

const publishOp = operation({
  summary: "Publish a private report (its reporter once fixed or agreed, or an admin); an owner's call is consent",
  tags: ['disclosure'],
  scope: 'triage',
  responses: { 200: api.PublishResponse },
});

/**
 * `POST /bugs/:id/publish`: the reporter publishes their private report early once it is fixed,
 * or after an owner agreed; an admin publishes any time. An owner's POST here is their consent
 * (it does not publish: the reporter decides when). Spam and duplicates are never published.
 */
disclosure.post(`/bugs/${ID}/publish`, publishOp, async (c) => {
  const { bug, access, user } = await visibleReport(c);
  if (!bug.is_hidden) conflict('This report is already public.');
  if (NEVER_PUBLISHED.includes(bug.state)) conflict('Spam and duplicate reports are never published.');
  const db = c.var.db;
  if (access.owner && !access.admin && !access.reporter) {
    await recordConsent(db, bug, user.id);
    return afterWrite(c, {
      to: `/bugs/${bug.id}#disclosure`,
      json: () => ({ bug_id: bug.id, consented: true }),
      fragment: async () => {
        const view = await disclosureFor(db, bug.id, user);
        return view ? <DisclosurePanel view={view} /> : <p>Saved.</p>;
      },
    });
  }
  if (!access.admin) {
    if (!access.reporter) fail(403, 'Only the reporter or an admin publishes a report.');
    const block = reporterBlock(bug, await hasConsent(db, bug.id));
    if (block) fail(403, block);
  }
  const why = access.admin && !access.reporter ? 'published by an admin' : 'published early by the reporter';
  const mail = await publishedMail({ title: bug.title, link: publicLink(c.env, `/bugs/${bug.id}`), why });
  const mailIds = await publishBug(db, bug, {
    actorId: user.id,
    why: `${why[0]?.toUpperCase()}${why.slice(1)}.`,
    mail,
  });
  if (mailIds === null) conflict('The report changed meanwhile: look at it again.');
  enqueueMail(c, mailIds);
  return afterWrite(c, {
    to: `/bugs/${bug.id}`,
    json: () => ({ bug_id: bug.id, published: true }),
  });
});

export default disclosure;
