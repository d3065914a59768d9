import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import rebuildCounters from '../scripts/sql/rebuild-counters.sql?raw';
import rebuildScores from '../scripts/sql/rebuild-scores.sql?raw';
import { bugStats } from '../worker/db/bugs';
import { type Severity, STATES, type State } from '../worker/db/schema';
import { changeState, entryEvent, stateRow } from '../worker/db/states';
import {
  ACCEPTED_POINTS,
  type Actor,
  eventKind,
  FIXED_POINTS,
  isAllowedMove,
  type Move,
  mayMoveState,
  movesFor,
  OPEN_STATES,
  pointsEffect,
  REOPENABLE,
  statusOf,
  TRANSITIONS,
} from '../worker/lib/states';
import { db, expectScoresMatchLedger, seedBug, uniqueHost } from './helpers';

const admin: Actor = { id: 1, role: 'admin' };
const reporter: Actor = { id: 7, role: 'user' };
const stranger: Actor = { id: 8, role: 'user' };

describe('states: the transition table (worker/lib/states.ts)', () => {
  it('keeps status in step: open states are open, spam is spam, the rest closed', () => {
    expect(STATES.map((s) => [s, statusOf(s)])).toEqual([
      ['new', 'open'],
      ['triaged', 'open'],
      ['accepted', 'open'],
      ['fixed', 'closed'],
      ['closed', 'closed'],
      ['duplicate', 'closed'],
      ['wont_fix', 'closed'],
      ['informative', 'closed'],
      ['spam', 'spam'],
    ]);
  });

  it('lists every state, never a move to itself; end states only go to spam or back (reopen)', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...STATES].sort());
    for (const [from, tos] of Object.entries(TRANSITIONS)) {
      expect(tos).not.toContain(from);
      for (const to of tos) expect(STATES).toContain(to);
    }
    for (const end of ['closed', 'duplicate', 'wont_fix', 'informative'] as const) {
      expect(TRANSITIONS[end]).toEqual(['spam']);
    }
    expect(TRANSITIONS.spam).toEqual([]);
    expect([...REOPENABLE].sort()).toEqual(['closed', 'duplicate', 'informative', 'spam', 'wont_fix']);
    // The main line, and the two steps back.
    expect(TRANSITIONS.new).toContain('triaged');
    expect(TRANSITIONS.triaged).toContain('accepted');
    expect(TRANSITIONS.accepted).toEqual(expect.arrayContaining(['fixed', 'triaged']));
    expect(TRANSITIONS.fixed).toEqual(expect.arrayContaining(['closed', 'accepted']));
    expect(isAllowedMove('spam', { to: 'new', reopen: true })).toBe(true);
    expect(isAllowedMove('accepted', { to: 'new', reopen: true })).toBe(false);
    expect(isAllowedMove('fixed', { to: 'duplicate', reopen: false })).toBe(false);
  });

  it('who may move: admins every listed move; the reporter withdraws, asks for a retest, reopens their withdrawal', () => {
    const bug = (state: State, closed_by: number | null = null) => ({ user_id: reporter.id, state, closed_by });
    const move = (to: State, reopen = false): Move => ({ to, reopen });
    for (const from of STATES) {
      for (const to of STATES) expect(mayMoveState(admin, bug(from), move(to))).toBe(true);
      for (const to of STATES) expect(mayMoveState(stranger, bug(from), move(to)), `${from}→${to}`).toBe(false);
      for (const to of STATES) expect(mayMoveState(null, bug(from), move(to))).toBe(false);
    }
    for (const from of OPEN_STATES) expect(mayMoveState(reporter, bug(from), move('closed'))).toBe(true);
    expect(mayMoveState(reporter, bug('fixed'), move('closed'))).toBe(false);
    expect(mayMoveState(reporter, bug('fixed'), move('accepted'))).toBe(true);
    expect(mayMoveState(reporter, bug('triaged'), move('accepted'))).toBe(false);
    expect(mayMoveState(reporter, bug('new'), move('triaged'))).toBe(false);
    expect(mayMoveState(reporter, bug('new'), move('spam'))).toBe(false);
    expect(mayMoveState(reporter, bug('new'), move('duplicate'))).toBe(false);
    expect(mayMoveState(reporter, bug('closed', reporter.id), move('closed', true))).toBe(true);
    expect(mayMoveState(reporter, bug('closed', admin.id), move('closed', true))).toBe(false);
    expect(mayMoveState(reporter, bug('spam', reporter.id), move('spam', true))).toBe(false);
    // An anonymous report has no reporter to act for it.
    expect(mayMoveState(reporter, { user_id: null, state: 'new', closed_by: null }, move('closed'))).toBe(false);
    expect(movesFor(reporter, bug('new'))).toEqual({ to: ['closed'], reopen: false });
    expect(movesFor(reporter, bug('fixed'))).toEqual({ to: ['accepted'], reopen: false });
    expect(movesFor(stranger, bug('new'))).toEqual({ to: [], reopen: false });
    expect(movesFor(admin, bug('spam'))).toEqual({ to: [], reopen: true });
    expect(eventKind(reporter, bug('fixed'), move('accepted'))).toBe('retest_requested');
    expect(eventKind(reporter, bug('new'), move('closed'))).toBe('withdrawn');
    expect(eventKind(admin, bug('new'), move('closed'))).toBe('state_changed');
  });

  it('points: accepted by severity, fixed +2, duplicate and spam take all back, moves back take their outcome back', () => {
    expect(ACCEPTED_POINTS).toEqual({ none: 0, low: 2, medium: 5, high: 10, critical: 20 });
    expect(FIXED_POINTS).toBe(2);
    expect(pointsEffect('triaged', 'accepted', false).award).toBe('accepted');
    expect(pointsEffect('new', 'accepted', false).award).toBe('accepted');
    expect(pointsEffect('accepted', 'fixed', false).award).toBe('fixed');
    expect(pointsEffect('fixed', 'accepted', false).takeBack).toEqual(['fixed']);
    expect(pointsEffect('accepted', 'triaged', false).takeBack).toEqual(['accepted']);
    expect(pointsEffect('accepted', 'duplicate', false).takeBack).toBe('all');
    expect(pointsEffect('fixed', 'spam', false).takeBack).toBe('all');
    expect(pointsEffect('spam', 'triaged', true).restore).toBe(true);
    for (const to of ['closed', 'wont_fix', 'informative', 'triaged'] as const) {
      expect(pointsEffect('new', to, false)).toEqual({});
    }
  });
});

/** A user row without the cost of a real sign-up (no session needed here). */
async function quickUser(prefix: string): Promise<number> {
  const name = `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
  const row = await env.DB.prepare('INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?) RETURNING id')
    .bind(name, `${name}@example.test`, 'x')
    .first<{ id: number }>();
  return row!.id;
}

/** mulberry32: a small seeded PRNG, so a failing sequence can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function move(bugId: number, to: State, opts: { reopen?: boolean; actorId?: number | null; dup?: number } = {}) {
  const row = (await stateRow(db(), bugId))!;
  const m = { to, reopen: opts.reopen ?? false };
  return changeState(db(), {
    bug: row,
    actorId: opts.actorId ?? null,
    move: m,
    kind: eventKind(null, row, m),
    note: '',
    duplicateOf: opts.dup ?? null,
  });
}

async function sums(bugId: number) {
  const { results } = await env.DB.prepare(
    "SELECT coalesce(award, '-') AS award, sum(score) AS s FROM points WHERE bug_id = ? GROUP BY 1 ORDER BY 1",
  )
    .bind(bugId)
    .all<{ award: string; s: number }>();
  return Object.fromEntries(results.map((r) => [r.award, r.s]));
}
const total = async (bugId: number) => Object.values(await sums(bugId)).reduce((a, b) => a + b, 0);

/** Puts a fresh report and its points into an earlier month, as if reported then. */
async function backdate(bugId: number, month: string, userIds: number[]) {
  const at = `${month}-15T10:00:00.000Z`;
  await env.DB.batch([
    env.DB.prepare('UPDATE bugs SET created_at = ?, updated_at = ? WHERE id = ?').bind(at, at, bugId),
    env.DB.prepare('UPDATE points SET created_at = ?, period = ? WHERE bug_id = ?').bind(at, month, bugId),
  ]);
  await rescore(userIds);
}

/** user_scores of these users again from the ledger (the repair script's rules). */
async function rescore(userIds: number[]) {
  const ids = userIds.join(',');
  await env.DB.prepare(`DELETE FROM user_scores WHERE user_id IN (${ids})`).run();
  const statements = rebuildScores
    .split(/;\s*\n/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean)
    .map((s) => s.replaceAll('FROM points WHERE true', `FROM points WHERE user_id IN (${ids})`));
  await env.DB.batch(statements.map((s) => env.DB.prepare(s)));
}

describe('states: outcome points in the ledger', () => {
  it('accepted adds by severity, fixed +2, a retest takes the fix back, and no outcome is ever held twice', async () => {
    const user = await quickUser('acc');
    const host = uniqueHost('acc');
    const id = await seedBug({ hostname: host, userId: user, severity: 'high' });
    expect(await total(id)).toBe(4);
    await move(id, 'triaged');
    await move(id, 'accepted');
    expect(await sums(id)).toMatchObject({ accepted: 10 });
    await move(id, 'fixed');
    expect(await sums(id)).toMatchObject({ accepted: 10, fixed: 2 });
    await move(id, 'accepted'); // retest
    expect(await sums(id)).toMatchObject({ accepted: 10, fixed: 0 });
    await move(id, 'fixed');
    await move(id, 'accepted');
    await move(id, 'fixed');
    expect(await sums(id)).toMatchObject({ accepted: 10, fixed: 2 });
    await move(id, 'closed');
    expect(await total(id)).toBe(16);
    await expectScoresMatchLedger(user);
    const kinds = await env.DB.prepare('SELECT kind FROM bug_events WHERE bug_id = ? ORDER BY id').bind(id).all();
    expect(kinds.results.map((k) => k.kind)).toContain('retest_requested');
  });

  it('two moves from the same stale state: one wins, the other writes nothing (no double award)', async () => {
    const user = await quickUser('race');
    const id = await seedBug({ userId: user, severity: 'critical' });
    const row = (await stateRow(db(), id))!;
    const m = { to: 'accepted' as const, reopen: false };
    const both = await Promise.all(
      [0, 1].map(() => changeState(db(), { bug: row, actorId: null, move: m, kind: 'state_changed', note: '' })),
    );
    expect(both.filter((r) => r !== null)).toHaveLength(1);
    expect(await sums(id)).toMatchObject({ accepted: 20 });
    expect((await env.DB.prepare('SELECT count(*) AS n FROM bug_events WHERE bug_id = ?').bind(id).first())?.n).toBe(1);
    await expectScoresMatchLedger(user);
  });

  it('two moves in the same millisecond from the same state: still one winner and one award', async () => {
    // Workers' clocks stand still between I/O, so two requests can read the same millisecond.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-27T12:00:00.000Z'));
    try {
      const user = await quickUser('race_ms');
      const id = await seedBug({ userId: user, severity: 'critical' });
      const row = (await stateRow(db(), id))!;
      const m = { to: 'accepted' as const, reopen: false };
      const both = await Promise.all(
        [0, 1].map(() => changeState(db(), { bug: row, actorId: null, move: m, kind: 'state_changed', note: '' })),
      );
      expect(both.filter((r) => r !== null)).toHaveLength(1);
      expect(await sums(id)).toMatchObject({ accepted: 20 });
      expect((await env.DB.prepare('SELECT count(*) AS n FROM bug_events WHERE bug_id = ?').bind(id).first())?.n).toBe(
        1,
      );
      await expectScoresMatchLedger(user);
    } finally {
      vi.useRealTimers();
    }
  });

  it('take-backs count in the months of the rows they reverse; reopening books them back the same way', async () => {
    const user = await quickUser('months');
    const host = uniqueHost('months');
    const id = await seedBug({ hostname: host, userId: user, severity: 'medium' });
    await backdate(id, '2026-01', [user]);
    await move(id, 'accepted'); // +5 this month
    const thisMonth = new Date().toISOString().slice(0, 7);
    await move(id, 'duplicate', { dup: await seedBug({ hostname: host }) });
    const rows = await env.DB.prepare(
      "SELECT period, score, reason FROM points WHERE bug_id = ? AND reason = 'Marked as duplicate' ORDER BY period",
    )
      .bind(id)
      .all<{ period: string; score: number }>();
    expect(rows.results.map((r) => [r.period, r.score])).toEqual([
      ['2026-01', -4],
      [thisMonth, -5],
    ]);
    expect(await total(id)).toBe(0);
    await expectScoresMatchLedger(user);
    await move(id, 'duplicate', { reopen: true }); // back to accepted, points as they were
    expect((await stateRow(db(), id))?.state).toBe('accepted');
    const back = await env.DB.prepare(
      "SELECT period, score FROM points WHERE bug_id = ? AND reason = 'Reopened' ORDER BY period",
    )
      .bind(id)
      .all<{ period: string; score: number }>();
    expect(back.results.map((r) => [r.period, r.score])).toEqual([
      ['2026-01', 4],
      [thisMonth, 5],
    ]);
    expect(await total(id)).toBe(9);
    await expectScoresMatchLedger(user);
  });

  it('scores equal their ledger sums after a long random sequence of transitions (seeded)', async () => {
    const rand = prng(20261127);
    const users = [await quickUser('rnd'), await quickUser('rnd'), await quickUser('rnd')];
    const host = uniqueHost('random');
    const severities: Severity[] = ['none', 'low', 'medium', 'high', 'critical'];
    const bugs: number[] = [];
    for (let i = 0; i < 9; i++) {
      const id = await seedBug({
        hostname: host,
        userId: i % 4 === 3 ? null : users[i % 3]!,
        severity: severities[i % 5]!,
        isHidden: i % 5 === 4,
        title: `Random walk report ${i}`,
      });
      if (i % 2 === 0) await backdate(id, `2026-0${1 + (i % 8)}`, users);
      bugs.push(id);
    }
    const cap = (id: number) => {
      const sev = severities[bugs.indexOf(id) % 5]!;
      return 3 + 1 + ACCEPTED_POINTS[sev] + FIXED_POINTS;
    };
    let moves = 0;
    for (let step = 0; step < 300; step++) {
      const id = bugs[Math.floor(rand() * bugs.length)]!;
      const row = (await stateRow(db(), id))!;
      const choices: Move[] = TRANSITIONS[row.state].map((to) => ({ to, reopen: false }));
      if (REOPENABLE.includes(row.state)) choices.push({ to: row.state, reopen: true });
      const pick = choices[Math.floor(rand() * choices.length)];
      if (!pick) continue;
      const original = pick.to === 'duplicate' ? bugs.find((b) => b !== id) : undefined;
      const done = await changeState(db(), {
        bug: row,
        actorId: users[0]!,
        move: pick,
        kind: eventKind(null, row, pick),
        note: `step ${step}`,
        duplicateOf: original ?? null,
      });
      expect(done, `step ${step}`).not.toBeNull();
      moves += 1;
      // Invariants on the report after every move: never more than one of each outcome.
      const s = await sums(id);
      for (const award of ['accepted', 'fixed', 'reported', 'domain']) {
        expect(s[award] ?? 0, `${award} after step ${step}`).toBeGreaterThanOrEqual(0);
      }
      expect(s.fixed ?? 0).toBeLessThanOrEqual(FIXED_POINTS);
      const t = await total(id);
      expect(t).toBeGreaterThanOrEqual(0);
      expect(t).toBeLessThanOrEqual(cap(id));
      const state = (await stateRow(db(), id))!.state;
      if (state === 'spam' || state === 'duplicate') expect(t, `held in ${state}`).toBe(0);
    }
    expect(moves).toBeGreaterThan(250);
    for (const u of users) await expectScoresMatchLedger(u);
    // The precomputed scores equal a recount of every period from the ledger and the reports.
    const before = await env.DB.prepare(
      `SELECT user_id, period, score, bugs FROM user_scores WHERE user_id IN (${users.join(',')}) AND (score != 0 OR bugs != 0) ORDER BY 1, 2`,
    ).all();
    await rescore(users);
    const after = await env.DB.prepare(
      `SELECT user_id, period, score, bugs FROM user_scores WHERE user_id IN (${users.join(',')}) AND (score != 0 OR bugs != 0) ORDER BY 1, 2`,
    ).all();
    expect(before.results).toEqual(after.results);
    // status followed state on every row, and the public counters equal a recount.
    const drift = await env.DB.prepare(
      `SELECT id, state, status FROM bugs WHERE id IN (${bugs.join(',')}) AND status != CASE
         WHEN state IN ('new', 'triaged', 'accepted') THEN 'open' WHEN state = 'spam' THEN 'spam' ELSE 'closed' END`,
    ).all();
    expect(drift.results).toEqual([]);
    const truth = await env.DB.prepare(
      `SELECT (SELECT count(*) FROM bugs WHERE is_hidden = 0 AND status = 'open') AS open,
              (SELECT count(*) FROM bugs WHERE is_hidden = 0 AND status = 'closed') AS closed`,
    ).first<{ open: number; closed: number }>();
    const stats = await bugStats(db());
    expect({ open: stats.open, closed: stats.closed }).toEqual(truth);
    const cells = async () =>
      (await env.DB.prepare('SELECT day, label, status, n FROM bug_counts WHERE n > 0 ORDER BY 1, 2, 3').all()).results;
    const kept = await cells();
    await env.DB.batch(
      rebuildCounters
        .split(/;\s*\n/)
        .map((q) => q.replace(/^\s*--.*$/gm, '').trim())
        .filter(Boolean)
        .map((q) => env.DB.prepare(q)),
    );
    expect(await cells()).toEqual(kept);
    // Reopen always returns where the report came from.
    for (const id of bugs) {
      const row = (await stateRow(db(), id))!;
      if (!REOPENABLE.includes(row.state)) continue;
      const entry = await entryEvent(db(), id, row.state);
      await move(id, row.state, { reopen: true });
      expect((await stateRow(db(), id))!.state).toBe(entry?.from_state ?? 'new');
    }
    for (const u of users) await expectScoresMatchLedger(u);
  }, 120_000);
});
