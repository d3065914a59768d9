import { env, exports } from 'cloudflare:workers';
import type { CompiledQuery } from 'kysely';
import { expect } from 'vitest';
import { createDb, type DB } from '../worker/db';
import { findBugById, insertBug, type NewBugInput } from '../worker/db/bugs';
import { markSpam, setOpenClosed } from '../worker/db/interactions';

export const ORIGIN = 'http://example.com';
export const db = () => createDb(env.DB);

let counter = 0;
/** A host name no other test uses, so each test sees only the rows it made. */
export function uniqueHost(prefix = 'site'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}.example`;
}

export interface Req {
  method?: string;
  hx?: boolean;
  json?: boolean;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Origin header for unsafe methods; same-origin by default. */
  origin?: string | null;
  cookie?: string;
}

/** Sends a request through the Worker's real fetch handler, as a browser or script would. */
export function call(path: string, r: Req = {}): Promise<Response> {
  const headers = new Headers(r.headers);
  if (r.hx) headers.set('HX-Request', 'true');
  if (r.json) headers.set('Accept', 'application/json');
  if (r.cookie) headers.set('Cookie', r.cookie);
  const method = r.method ?? (r.form ? 'POST' : 'GET');
  let body: string | undefined;
  if (r.form) {
    body = new URLSearchParams(r.form).toString();
    headers.set('Content-Type', 'application/x-www-form-urlencoded');
  }
  if (method !== 'GET' && method !== 'HEAD' && r.origin !== null && !headers.has('Origin')) {
    headers.set('Origin', r.origin ?? ORIGIN);
  }
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, { method, headers, body, redirect: 'manual' }));
}

/** Inserts a bug through the same function the Worker uses. */
export async function seedBug(overrides: Partial<NewBugInput> = {}): Promise<number> {
  const hostname = overrides.hostname ?? uniqueHost();
  return insertBug(db(), {
    url: `https://${hostname}/page`,
    hostname,
    title: 'A seeded bug title',
    description: '',
    label: 'general',
    severity: 'none',
    isHidden: false,
    userId: null,
    ...overrides,
  });
}

/** Counts rows of a table matching a simple SQL condition. */
export async function count(table: string, where = '1 = 1', ...params: unknown[]): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`)
    .bind(...params)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

export const PASSWORD = 'correct horse battery staple';

/** The session cookie from a response, as a Cookie request header value. */
export function sessionCookie(res: Response): string {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('__Host-blt_session='));
  if (!set) throw new Error(`no session cookie in response ${res.status}`);
  return set.split(';')[0]!;
}

/** The newest message in the outbox to `to` (what the dev outbox would show). */
export async function lastMailTo(
  to: string,
): Promise<{ id: number; subject: string; text_body: string; html_body: string; status: string }> {
  const row = await env.DB.prepare(
    'SELECT id, subject, text_body, html_body, status FROM outbox WHERE to_address = ? ORDER BY id DESC LIMIT 1',
  )
    .bind(to)
    .first<{ id: number; subject: string; text_body: string; html_body: string; status: string }>();
  if (!row) throw new Error(`no mail to ${to}`);
  return row;
}

/** The token of the `path` link (e.g. /verify-email) in the newest mail to `to`. */
export async function mailedToken(to: string, path: string): Promise<string> {
  const mail = await lastMailTo(to);
  const m = new RegExp(`${ORIGIN}${path}\\?token=([A-Za-z0-9_-]+)`).exec(mail.text_body);
  if (!m?.[1]) throw new Error(`no ${path} link in the mail to ${to}: ${mail.text_body}`);
  return m[1];
}

/**
 * Signs up through the real routes and confirms the address with the link from the outbox, as a
 * person would (sign-up starts no session; confirming signs in). Returns the cookie and id.
 */
export async function signUp(
  prefix = 'user',
): Promise<{ cookie: string; id: number; username: string; email: string }> {
  const username = `${prefix}_${Math.random().toString(36).slice(2, 10)}`.slice(0, 30);
  const email = `${username}@example.test`;
  const res = await call('/api/auth/signup', {
    form: { username, email, password: PASSWORD, password_confirmation: PASSWORD },
  });
  if (res.status !== 303) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
  const row = await env.DB.prepare('SELECT id FROM users WHERE username = ?').bind(username).first<{ id: number }>();
  if (!row) throw new Error(`signup of ${username} created no account`);
  const token = await mailedToken(email, '/verify-email');
  const verified = await call('/verify-email', { form: { token } });
  if (verified.status !== 303)
    throw new Error(`confirming ${email} failed: ${verified.status} ${await verified.text()}`);
  return { cookie: sessionCookie(verified), id: row.id, username, email };
}

export async function makeAdmin(id: number): Promise<void> {
  await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(id).run();
}

export async function ledgerSum(userId: number): Promise<number> {
  const row = await env.DB.prepare('SELECT coalesce(sum(score), 0) AS s FROM points WHERE user_id = ?')
    .bind(userId)
    .first<{ s: number }>();
  return row?.s ?? 0;
}

export async function scoreOf(userId: number, period = 'all'): Promise<number> {
  const row = await env.DB.prepare('SELECT score FROM user_scores WHERE user_id = ? AND period = ?')
    .bind(userId, period)
    .first<{ score: number }>();
  return row?.score ?? 0;
}

/** Changes a bug's status the way the Worker does (so its counters follow). */
export async function setStatus(id: number, status: 'open' | 'closed' | 'spam'): Promise<void> {
  const bug = await findBugById(db(), id, { id: 0, role: 'admin' });
  if (!bug) throw new Error(`no bug ${id}`);
  if (status === 'spam') await markSpam(db(), bug);
  else await setOpenClosed(db(), bug, status, null);
}

/**
 * Every user_scores row of a user equals the sum of its ledger rows: `all` the whole ledger,
 * and each month the rows booked in that month (points.period).
 */
export async function expectScoresMatchLedger(userId: number): Promise<void> {
  const ledger = await env.DB.prepare(
    `SELECT 'all' AS period, coalesce(sum(score), 0) AS score FROM points WHERE user_id = ?1
     UNION ALL SELECT period, sum(score) FROM points WHERE user_id = ?1 GROUP BY period ORDER BY 1`,
  )
    .bind(userId)
    .all<{ period: string; score: number }>();
  const scores = await env.DB.prepare('SELECT period, score FROM user_scores WHERE user_id = ? ORDER BY period')
    .bind(userId)
    .all<{ period: string; score: number }>();
  const byPeriod = (rows: { period: string; score: number }[]) =>
    Object.fromEntries(rows.filter((r) => r.score !== 0).map((r) => [r.period, r.score]));
  expect(byPeriod(scores.results)).toEqual(byPeriod(ledger.results));
}

type Vars = Record<string, string | undefined>;

/**
 * Runs `fn` with some Worker vars changed (limits and ENVIRONMENT are vars, so a test can set its
 * own), then puts them back. Test files run in isolates of their own, so no other file sees them.
 */
export async function withVars<T>(vars: Vars, fn: () => Promise<T>): Promise<T> {
  const e = env as unknown as Vars;
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, e[k]]));
  Object.assign(e, vars);
  try {
    return await fn();
  } finally {
    Object.assign(e, saved);
  }
}

/** Every outbox row to `to`, oldest first. */
export async function mailsTo(
  to: string,
): Promise<{ id: number; subject: string; text_body: string; status: string }[]> {
  const { results } = await env.DB.prepare(
    'SELECT id, subject, text_body, status FROM outbox WHERE to_address = ? ORDER BY id',
  )
    .bind(to)
    .all<{ id: number; subject: string; text_body: string; status: string }>();
  return results;
}

/** Every EXPLAIN QUERY PLAN line of these compiled queries, on the test D1. */
export async function planLines(queries: CompiledQuery[]): Promise<string[]> {
  const plans: string[] = [];
  for (const q of queries) {
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${q.sql}`)
      .bind(...q.parameters)
      .all<{ detail: string }>();
    plans.push(...results.map((r) => r.detail));
  }
  return plans;
}

/** Runs a data function on a Kysely that records the SQL it sends (at least one query); every plan line of it. */
export async function plansOf(fn: (db: DB) => Promise<unknown>): Promise<string[]> {
  const queries: CompiledQuery[] = [];
  await fn(
    createDb(env.DB, (e) => {
      if (e.level === 'query') queries.push(e.query);
    }),
  );
  expect(queries.length).toBeGreaterThan(0);
  return planLines(queries);
}
