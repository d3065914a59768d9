import type { Role, Severity, State, Status } from '../db/schema';

/**
 * A report's life as data, in one place (README "A report's life"): which moves exist, who may
 * make them, what each does to `status` and to the reporter's points. The route, the db layer,
 * the views and the tests all read these tables; nothing else decides.
 */

/** States in which a report is still being worked on ("open" in filters and counts). */
export const OPEN_STATES = ['new', 'triaged', 'accepted'] as const satisfies readonly State[];
/** ?status=resolved: the fix happened, or the report was closed. */
export const RESOLVED_STATES = ['fixed', 'closed'] as const satisfies readonly State[];

/**
 * Where a report may go from each state (besides "reopen", below). Forward along
 * new → triaged → accepted → fixed → closed (skipping steps is allowed to admins), one step back
 * (accepted → triaged, and fixed → accepted: a retest), or to an end state.
 */
export const TRANSITIONS: Record<State, readonly State[]> = {
  new: ['triaged', 'accepted', 'closed', 'duplicate', 'wont_fix', 'informative', 'spam'],
  triaged: ['new', 'accepted', 'closed', 'duplicate', 'wont_fix', 'informative', 'spam'],
  accepted: ['triaged', 'fixed', 'closed', 'duplicate', 'wont_fix', 'informative', 'spam'],
  fixed: ['accepted', 'closed', 'spam'],
  closed: ['spam'],
  duplicate: ['spam'],
  wont_fix: ['spam'],
  informative: ['spam'],
  spam: [],
};

/** The usual next step from each state on the main line: what the admin's form offers first. */
export const NEXT_STATE: Partial<Record<State, State>> = {
  new: 'triaged',
  triaged: 'accepted',
  accepted: 'fixed',
  fixed: 'closed',
};

/**
 * States a report can be reopened from: the move goes back to the state it came from (the
 * timeline's last move into it), and restores the points that move took back, booked in the
 * months they were first booked in. "Undo spam" is this move.
 */
export const REOPENABLE: readonly State[] = ['closed', 'duplicate', 'wont_fix', 'informative', 'spam'];

/** bugs.status kept in step with bugs.state (same batch), until a later migration drops it. */
export function statusOf(state: State): Status {
  if (state === 'spam') return 'spam';
  return (OPEN_STATES as readonly State[]).includes(state) ? 'open' : 'closed';
}

/** Points for an accepted report, by its severity; a fix adds FIXED_POINTS more. */
export const ACCEPTED_POINTS: Record<Severity, number> = { none: 0, low: 2, medium: 5, high: 10, critical: 20 };
export const FIXED_POINTS = 2;

/** The awards a ledger row can belong to (points.award). */
export type Award = 'reported' | 'domain' | 'accepted' | 'fixed';

/** Ledger reasons, as the reporter's history shows them. */
export const POINT_REASONS = {
  accepted: 'Report accepted',
  fixed: 'Report fixed',
  duplicate: 'Marked as duplicate',
  spam: 'Marked as spam',
  unaccepted: 'Acceptance withdrawn',
  retest: 'Retest requested',
  reopened: 'Reopened',
} as const;

/** What one move does to the ledger; all of it is booked in the move's own batch. */
export interface PointsEffect {
  /** Award this outcome, unless the report already holds it (so it is never earned twice). */
  award?: 'accepted' | 'fixed';
  /** Take back what the report holds of these awards ('all': everything it earned). */
  takeBack?: 'all' | readonly Award[];
  /** Reverse the take-backs of the move being undone (a reopen). */
  restore?: boolean;
  reason?: string;
}

/**
 * The points rule of a move. Additions count in the month of the move; take-backs and
 * restorations in the month of the rows they reverse. Moving back takes an outcome back
 * (accepted → triaged loses the accepted points, a retest loses the fix points), so a report
 * only ever holds each outcome once, whatever path it takes.
 */
export function pointsEffect(from: State, to: State, reopen: boolean): PointsEffect {
  if (reopen) return { restore: true, reason: POINT_REASONS.reopened };
  if (to === 'spam') return { takeBack: 'all', reason: POINT_REASONS.spam };
  if (to === 'duplicate') return { takeBack: 'all', reason: POINT_REASONS.duplicate };
  if (to === 'fixed') return { award: 'fixed', reason: POINT_REASONS.fixed };
  if (to === 'accepted' && from === 'fixed') return { takeBack: ['fixed'], reason: POINT_REASONS.retest };
  if (to === 'accepted') return { award: 'accepted', reason: POINT_REASONS.accepted };
  if (from === 'accepted' && (to === 'triaged' || to === 'new')) {
    return { takeBack: ['accepted'], reason: POINT_REASONS.unaccepted };
  }
  return {};
}

/** Who is acting: a user, and the domains they own among those in question (worker/db/owners.ts). */
export interface Actor {
  id: number;
  role: Role;
  /** Ids of domains this user owns (at least the report's, when they own it). */
  owns?: readonly number[];
}

/** What the permission check needs to know about a report. */
export interface StateSubject {
  user_id: number | null;
  /** The report's domain: its owners triage it. */
  domain_id?: number;
  state: State;
  /** Who closed it last (bugs.closed_by): a reporter may reopen only their own withdrawal. */
  closed_by: number | null;
}

/** A requested move: where to, and whether it is a reopen (back to the previous state). */
export interface Move {
  to: State;
  reopen: boolean;
}

/**
 * May `actor` make `move` on `bug`? The one place that says who moves states: admins make every
 * move the table allows; the domain's owners make every move too, except into or out of spam
 * (a site-wide moderation call that takes a reporter's points: admins only), and never with
 * owner powers on their own report (no accepting yourself for points); the reporter may withdraw
 * an open report (→ closed), ask for a retest of a fixed one (→ accepted), and reopen a report
 * they withdrew. Whether the move exists at all is `isAllowedMove`.
 */
export function mayMoveState(actor: Actor | null, bug: StateSubject, move: Move): boolean {
  if (!actor) return false;
  if (actor.role === 'admin') return true;
  const reporter = bug.user_id !== null && bug.user_id === actor.id;
  if (!reporter && isOwnerOf(actor, bug)) return bug.state !== 'spam' && move.to !== 'spam';
  if (!reporter) return false;
  if (move.reopen) return bug.state === 'closed' && bug.closed_by === actor.id;
  if (move.to === 'closed') return (OPEN_STATES as readonly State[]).includes(bug.state);
  return bug.state === 'fixed' && move.to === 'accepted';
}

/** Does `actor` own the report's domain? */
export function isOwnerOf(actor: Actor | null, bug: StateSubject): boolean {
  return actor !== null && bug.domain_id !== undefined && (actor.owns ?? []).includes(bug.domain_id);
}

/** Does the table allow `from → to` (or a reopen from `from`)? */
export function isAllowedMove(from: State, move: Move): boolean {
  if (move.reopen) return REOPENABLE.includes(from);
  return TRANSITIONS[from].includes(move.to);
}

/** The timeline's name for a move. */
export function eventKind(actor: Actor | null, bug: StateSubject, move: Move) {
  if (move.reopen) return 'reopened' as const;
  const byReporter = actor !== null && actor.role !== 'admin' && bug.user_id === actor.id;
  if (bug.state === 'fixed' && move.to === 'accepted') return 'retest_requested' as const;
  if (byReporter && move.to === 'closed') return 'withdrawn' as const;
  return 'state_changed' as const;
}

/** Every move `actor` may make on `bug` now, for the forms (reopen listed as `reopen`). */
export function movesFor(actor: Actor | null, bug: StateSubject): { to: State[]; reopen: boolean } {
  const to = TRANSITIONS[bug.state].filter((s) => mayMoveState(actor, bug, { to: s, reopen: false }));
  const reopen = REOPENABLE.includes(bug.state) && mayMoveState(actor, bug, { to: bug.state, reopen: true });
  return { to, reopen };
}
