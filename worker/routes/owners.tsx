import { zValidator } from '@hono/zod-validator';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import {
  ClaimPage,
  type ClaimView,
  OwnedPage,
  OwnersPage,
  TriageItem,
  TriagePage,
  TriageRows,
  type TriageRowView,
} from '../../views/owners';
import { decodeCursor, encodeCursor } from '../db/bugs';
import {
  actorFor,
  actorOn,
  addOwner,
  completeClaim,
  currentClaim,
  domainAccess,
  domainIdByHost,
  ensureDomain,
  findClaim,
  findDomain,
  managedDomainId,
  ownedDomains,
  ownersOf,
  removeOwner,
  type TriageRow,
  triageConsole,
  triageRow,
} from '../db/owners';
import { LABELS, SEVERITIES, STATES } from '../db/schema';
import { changeState, stateRow } from '../db/states';
import * as api from '../lib/api-schemas';
import { apiError, fail, jsonError } from '../lib/errors';
import { writeSlot } from '../lib/limits';
import { enqueueMail } from '../lib/mail';
import { representation } from '../lib/negotiate';
import { stateMail } from '../lib/notify';
import { operation } from '../lib/openapi';
import { afterWrite, respond } from '../lib/respond';
import { type Actor, eventKind, movesFor } from '../lib/states';
import { isValidHostname } from '../lib/url';
import {
  cursorSchema,
  DEFAULT_PAGE_SIZE,
  fieldErrors,
  formOrJson,
  rejectInvalid,
  usernameSchema,
} from '../lib/validation';
import { checkClaim } from '../lib/verify';
import type { AppEnv, SessionUser } from '../types';
import { MoveRefused, planMove } from './states';

/**
 * Domain owners (issue 13, README "Domain owners"): claiming a domain (DNS TXT or a file), adding
 * and removing owners, the triage console and /owned. Everything but the claim page answers 404
 * to anyone who is neither an owner of the domain nor an admin, the same as for a domain that
 * does not exist: nothing here tells a stranger that a site has (private) reports or owners.
 */
const owners = new Hono<AppEnv>();

const hostParam = zValidator(
  'param',
  z.object({ host: z.string().toLowerCase().refine(isValidHostname, 'Not a host name.') }),
  rejectInvalid(404, 'That is not a domain we know.'),
);

function signedInUser(c: Context): SessionUser {
  const user = c.var.user;
  if (!user) fail(401, 'Log in to do that.');
  return user;
}

/** The one 404 for a domain that does not exist and for one the user may not manage. */
const NOT_MANAGED = 'There is nothing here. It may have moved, or it may be private.';

/** The domain, if this user may manage it (an owner or an admin); the same 404 otherwise. */
async function managedDomain(c: Context, host: string) {
  const user = signedInUser(c);
  // One statement: the domain, and whether the user is an admin or one of its owners.
  const domain = await domainAccess(c.var.db, host, user.id);
  if (domain && (domain.admin || domain.owner)) return { user, domain };
  fail(404, NOT_MANAGED);
}

/** `managedDomain` and the domain's owners, read together (one round trip). */
async function managedOwners(c: Context, host: string) {
  const user = signedInUser(c);
  const [managed, list] = await Promise.all([
    managedDomain(c, host),
    ownersOf(c.var.db, managedDomainId(host, user.id)),
  ]);
  return { ...managed, list };
}

const enc = encodeURIComponent;

/** The host of a request whose host parameter has been validated (hostParam runs first). */
function hostOf(c: Context): string {
  return (c.req.param('host') ?? '').toLowerCase();
}

// ——— Claiming ———

async function claimView(c: Context, host: string, extra: Partial<ClaimView> = {}): Promise<ClaimView> {
  const user = signedInUser(c);
  // The domain (with the user's standing) and their claim, both named by the host: one round trip.
  const [access, found] = await Promise.all([
    domainAccess(c.var.db, host, user.id),
    findClaim(c.var.db, domainIdByHost(host), user.id),
  ]);
  const claim = access ? (found ?? null) : null;
  const live = claim && !claim.verified_at ? claim : null;
  return {
    hostname: host,
    claim: live,
    expired: live !== null && live.expires_at <= new Date().toISOString(),
    isOwner: access?.owner ?? false,
    ...extra,
  };
}

function claimJson(v: ClaimView) {
  return {
    hostname: v.hostname,
    owner: v.isOwner,
    claim: v.claim && {
      token: v.claim.token,
      expires_at: v.claim.expires_at,
      expired: v.expired,
      dns: { name: `_blt-verify.${v.hostname}`, type: 'TXT', value: `blt-verify=${v.claim.token}` },
      file: { url: `https://${v.hostname}/.well-known/blt-verify.txt`, first_line: v.claim.token },
    },
  };
}

const claimPageOp = operation({
  summary: "The caller's claim on a domain: the token and where to put it",
  tags: ['owners'],
  responses: { 200: api.ClaimResponse },
});

owners.get('/domains/:host/claim', claimPageOp, hostParam, async (c) => {
  const { host } = c.req.valid('param');
  const v = await claimView(c, host);
  return respond(c, { title: `Claim ${host}`, page: () => <ClaimPage {...v} />, json: () => claimJson(v) });
});

const claimTokenOp = operation({
  summary: 'Get a token for claiming a domain (a fresh one once the last expired)',
  tags: ['owners'],
  scope: 'triage',
  responses: { 201: api.ClaimResponse },
});

/** A token for this user and host (a fresh one when the last expired). The domain row may be new. */
owners.post('/domains/:host/claim/token', claimTokenOp, hostParam, async (c) => {
  const user = signedInUser(c);
  const { host } = c.req.valid('param');
  const domain = await ensureDomain(c.var.db, host);
  const claim = await currentClaim(c.var.db, domain.id, user.id);
  return afterWrite(c, {
    to: `/domains/${enc(host)}/claim`,
    status: 201,
    json: () => claimJson({ hostname: host, claim, expired: false, isOwner: false }),
  });
});

export const claimSchema = z.object({ method: z.enum(['dns', 'file'], { error: 'Choose dns or file.' }) });

owners.post(
  '/domains/:host/claim',
  operation({
    summary: 'Check the claim (DNS TXT record or file) and become an owner of the domain',
    tags: ['owners'],
    scope: 'triage',
    body: claimSchema,
    responses: { 200: api.ClaimedResponse },
  }),
  hostParam,
  formOrJson((target) =>
    zValidator(target, claimSchema, async (result, c) => {
      if (result.success) return;
      return claimAgain(c, hostOf(c), fieldErrors(result.error));
    }),
  ),
  async (c) => {
    const user = signedInUser(c);
    const { host } = c.req.valid('param');
    const { method } = c.req.valid('form');
    const domain = await findDomain(c.var.db, host);
    const claim = domain ? await findClaim(c.var.db, domain.id, user.id) : undefined;
    if (!domain || !claim || claim.verified_at) {
      return claimAgain(c, host, { form: 'Get a verification token first.' }, method);
    }
    if (claim.expires_at <= new Date().toISOString()) {
      return claimAgain(c, host, { form: 'This token has expired (tokens last 7 days): get a new one.' }, method);
    }
    const refusal = await writeSlot(c, 'claim');
    if (refusal) fail(429, refusal.message, { 'Retry-After': String(refusal.retryAfter) });
    const problem = await checkClaim(c.env, host, claim.token, method);
    if (problem) return claimAgain(c, host, { method: problem }, method);
    const done = await completeClaim(c.var.db, { domainId: domain.id, userId: user.id, token: claim.token, method });
    if (!done) return claimAgain(c, host, { form: 'The claim changed meanwhile: look at it again.' }, method);
    return afterWrite(c, {
      to: `/domains/${enc(host)}/triage`,
      json: () => ({ hostname: host, owner: true, method }),
    });
  },
);

async function claimAgain(c: Context, host: string, errors: Partial<Record<string, string>>, method?: string) {
  if (representation(c) === 'json') return jsonError(c, apiError('validation_failed', undefined, errors));
  const v = await claimView(c, host, { errors, method });
  return respond(c, { status: 422, title: `Claim ${host}`, page: () => <ClaimPage {...v} />, json: () => null });
}

// ——— Owners ———

const ownersOp = operation({
  summary: "A domain's owners (for its owners and admins)",
  tags: ['owners'],
  responses: { 200: api.OwnersResponse },
});

owners.get('/domains/:host/owners', ownersOp, hostParam, async (c) => {
  const { host } = c.req.valid('param');
  const { user, list } = await managedOwners(c, host);
  return respond(c, {
    title: `Owners of ${host}`,
    page: () => <OwnersPage hostname={host} owners={list} viewerId={user.id} admin={user.role === 'admin'} />,
    json: () => ({ hostname: host, owners: list }),
  });
});

export const usernameForm = z.object({ username: usernameSchema });

/** The owners page again with the add form's error (422). */
async function ownersAgain(c: Context, host: string, errors: Partial<Record<string, string>>, typed?: string) {
  if (representation(c) === 'json') return jsonError(c, apiError('validation_failed', undefined, errors));
  const { user, list } = await managedOwners(c, host);
  return respond(c, {
    status: 422,
    title: `Owners of ${host}`,
    page: () => (
      <OwnersPage
        hostname={host}
        owners={list}
        viewerId={user.id}
        admin={user.role === 'admin'}
        errors={errors}
        values={{ username: typed }}
      />
    ),
    json: () => null,
  });
}

/** Who a username names (live accounts only). */
async function userByName(c: Context, username: string) {
  return c.var.db
    .selectFrom('users')
    .select(['id', 'username'])
    .where('username', '=', username)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

owners.post(
  '/domains/:host/owners',
  operation({
    summary: 'Add an owner to a domain (by its owners, or an admin)',
    tags: ['owners'],
    scope: 'triage',
    body: usernameForm,
    responses: { 201: api.OwnerAddedResponse, 200: api.OwnerAddedResponse },
  }),
  hostParam,
  formOrJson((target) =>
    zValidator(target, usernameForm, async (result, c) => {
      if (result.success) return;
      const raw = await c.req.parseBody();
      return ownersAgain(c, hostOf(c), fieldErrors(result.error), typeof raw.username === 'string' ? raw.username : '');
    }),
  ),
  async (c) => {
    const user = signedInUser(c);
    const { host } = c.req.valid('param');
    const { username } = c.req.valid('form');
    // An admin may give owners to a domain nobody has reported on yet; an owner's domain exists.
    const domain = user.role === 'admin' ? await ensureDomain(c.var.db, host) : (await managedDomain(c, host)).domain;
    const target = await userByName(c, username);
    if (!target) return ownersAgain(c, host, { username: `There is no user called ${username}.` }, username);
    const added = await addOwner(c.var.db, {
      domainId: domain.id,
      userId: target.id,
      addedBy: user.id,
      method: 'added',
    });
    return afterWrite(c, {
      to: `/domains/${enc(host)}/owners`,
      status: added ? 201 : 200,
      json: () => ({ hostname: host, username: target.username, added }),
    });
  },
);

const removeOwnerOp = operation({
  summary: 'Remove an owner of a domain (the last one only by an admin)',
  tags: ['owners'],
  scope: 'triage',
  body: usernameForm,
  responses: { 200: api.OwnerRemovedResponse },
});
const removeOwnerBody = formOrJson((target) => zValidator(target, usernameForm, rejectInvalid()));

owners.post('/domains/:host/owners/remove', removeOwnerOp, hostParam, removeOwnerBody, async (c) => {
  const { host } = c.req.valid('param');
  const { user, domain } = await managedDomain(c, host);
  const { username } = c.req.valid('form');
  const target = await userByName(c, username);
  if (!target) return ownersAgain(c, host, { username: `There is no user called ${username}.` }, username);
  const result = await removeOwner(c.var.db, domain.id, target.id, { allowLast: user.role === 'admin' });
  if (result === 'last') {
    return ownersAgain(c, host, { form: `${target.username} is the only owner: only an admin can remove them.` });
  }
  // Leaving a domain you no longer own: its pages are no longer yours to see.
  const stillManages = user.role === 'admin' || target.id !== user.id;
  return afterWrite(c, {
    to: stillManages ? `/domains/${enc(host)}/owners` : '/owned',
    json: () => ({ hostname: host, username: target.username, removed: result === 'removed' }),
  });
});

// ——— Owned ———

const ownedOp = operation({
  summary: 'The domains the caller owns',
  tags: ['owners'],
  responses: { 200: api.OwnedResponse },
});

owners.get('/owned', ownedOp, async (c) => {
  const user = signedInUser(c);
  const domains = await ownedDomains(c.var.db, user.id);
  return respond(c, {
    title: 'Your domains',
    page: () => <OwnedPage domains={domains} />,
    json: () => ({ domains }),
  });
});

// ——— Triage console ———

const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);
export const triageQuery = z.object({
  state: z.preprocess(emptyToUndefined, z.enum(STATES).optional()),
  label: z.preprocess(emptyToUndefined, z.enum(LABELS).optional()),
  severity: z.preprocess(emptyToUndefined, z.enum(SEVERITIES).optional()),
  before: cursorSchema(decodeCursor),
});

/** The moves the console offers on a row: the state form's, without spam (its own step). */
function rowView(actor: Actor, domainId: number, row: TriageRow): TriageRowView {
  const moves = movesFor(actor, {
    user_id: row.user_id,
    domain_id: domainId,
    state: row.state,
    closed_by: row.closed_by,
  });
  return { row, moves: moves.to.filter((s) => s !== 'spam') };
}

const triageOp = operation({
  summary: "The triage console: a domain's reports, private ones included (its owners and admins)",
  tags: ['owners'],
  query: triageQuery,
  responses: { 200: api.TriageResponse },
});

const triageQueryValid = zValidator('query', triageQuery, rejectInvalid());

owners.get('/domains/:host/triage', triageOp, hostParam, triageQueryValid, async (c) => {
  const { host } = c.req.valid('param');
  const user = signedInUser(c);
  const { before, ...filters } = c.req.valid('query');
  // One round trip: who the user is to the domain, the page and the counts, all named by the host.
  const view = await triageConsole(c.var.db, host, user.id, {
    filters,
    cursor: before,
    limit: DEFAULT_PAGE_SIZE,
    counts: representation(c) !== 'fragment',
  });
  if (!view) fail(404, NOT_MANAGED);
  const { domain, page, counts } = view;
  const actor = actorOn(user.id, domain);
  const rows = page.rows.map((r) => rowView(actor, domain.id, r));
  return respond(c, {
    title: `Triage: ${host}`,
    page: () => <TriagePage hostname={host} counts={counts} filters={filters} rows={rows} next={page.next} />,
    fragment: () => <TriageRows hostname={host} rows={rows} next={page.next} filters={filters} />,
    json: () => ({
      hostname: host,
      counts,
      reports: page.rows,
      next: page.next && encodeCursor(page.next),
    }),
  });
});

export const triageMove = z.object({
  state: z.enum(STATES, { error: 'Choose one of the states.' }),
  note: z.string().trim().max(2000, 'A note can be at most 2,000 characters.').default(''),
});

owners.post(
  '/domains/:host/triage/:id{[0-9]{1,15}}/state',
  operation({
    summary: 'Move a report of the domain to another state (the triage console)',
    tags: ['owners'],
    scope: 'triage',
    body: triageMove,
    responses: { 200: api.TriageMoveResponse },
  }),
  hostParam,
  formOrJson((target) => zValidator(target, triageMove, rejectInvalid(400))),
  async (c) => {
    const { host } = c.req.valid('param');
    const id = Number(c.req.param('id'));
    const { user, domain } = await managedDomain(c, host);
    const db = c.var.db;
    const row = await stateRow(db, id);
    if (!row || row.domain_id !== domain.id) fail(404, 'There is no such report on this domain.');
    const actor = (await actorFor(db, user, domain.id)) ?? fail(401);
    const form = c.req.valid('form');
    const again = async (status: 200 | 422, error?: string) => {
      const fresh = (await triageRow(db, domain.id, id)) ?? fail(404);
      const item = rowView(actor, domain.id, fresh);
      if (representation(c) === 'json') {
        return error ? jsonError(c, apiError('validation_failed', error)) : c.json({ report: fresh }, status);
      }
      return respond(c, {
        status,
        title: `Triage: ${host}`,
        fragment: () => <TriageItem hostname={host} item={item} error={error} />,
        page: () => (
          <ol class="bug-list triage-list" aria-label={`Report on ${host}`}>
            <TriageItem hostname={host} item={item} error={error} />
          </ol>
        ),
        json: () => null,
      });
    };
    if (form.state === 'spam') return again(422, 'Spam is marked on the report’s own page, by an admin.');
    let plan: Awaited<ReturnType<typeof planMove>>;
    try {
      plan = await planMove(db, actor, row, form.state, '');
    } catch (err) {
      if (!(err instanceof MoveRefused)) throw err;
      if (err.status === 403) fail(403, err.message);
      return again(422, err.message);
    }
    const bug = { id, title: (await triageRow(db, domain.id, id))?.title ?? '', hostname: host };
    const done = await changeState(db, {
      bug: row,
      actorId: user.id,
      move: plan.move,
      kind: eventKind(actor, row, plan.move),
      note: form.note,
      mail: stateMail(c, bug, form.note),
    });
    if (!done) return again(422, 'The report changed meanwhile: look at it again and retry.');
    enqueueMail(c, done.mailIds);
    if (representation(c) === 'fragment') return again(200);
    return afterWrite(c, {
      to: `/domains/${enc(host)}/triage#report-${id}`,
      json: async () => ({ report: await triageRow(db, domain.id, id) }),
    });
  },
);

export default owners;
