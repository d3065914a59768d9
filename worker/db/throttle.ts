import type { DB } from './index';

/**
 * README "Accounts, sessions and points": failed logins in a 15-minute window, per (account, IP), per account
 * from any IP, and per IP. Worker vars can change them (wrangler.toml [vars]).
 */
export interface LoginLimits {
  perAccountIp: number;
  perAccount: number;
  perIp: number;
  windowMs: number;
}

export const DEFAULT_LIMITS: LoginLimits = { perAccountIp: 10, perAccount: 50, perIp: 100, windowMs: 15 * 60 * 1000 };

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/** The limits from the Worker's vars; a missing or malformed var keeps the default. */
export function loginLimits(vars: {
  LOGIN_LIMIT_ACCOUNT_IP?: string | undefined;
  LOGIN_LIMIT_ACCOUNT?: string | undefined;
  LOGIN_LIMIT_IP?: string | undefined;
  LOGIN_WINDOW_SECONDS?: string | undefined;
}): LoginLimits {
  return {
    perAccountIp: positiveInt(vars.LOGIN_LIMIT_ACCOUNT_IP, DEFAULT_LIMITS.perAccountIp),
    perAccount: positiveInt(vars.LOGIN_LIMIT_ACCOUNT, DEFAULT_LIMITS.perAccount),
    perIp: positiveInt(vars.LOGIN_LIMIT_IP, DEFAULT_LIMITS.perIp),
    windowMs: positiveInt(vars.LOGIN_WINDOW_SECONDS, DEFAULT_LIMITS.windowMs / 1000) * 1000,
  };
}

/**
 * Who is trying: the account (its id, so its username and email share one bucket; the typed
 * name, lower-cased, when no account matches) and the client IP.
 */
export interface Attempt {
  account: string;
  ip: string;
}

export function attemptFor(userId: number | undefined, typed: string, ip: string): Attempt {
  return { account: userId === undefined ? `n:${typed.trim().toLowerCase()}` : `u:${userId}`, ip };
}

/**
 * Reserves one attempt, or says how long to wait. Check and count are one conditional INSERT
 * (in one batch with pruning the window's old rows), so however many requests run at once, no
 * more than a limit are ever let through to the password check. Call before hashing.
 */
export async function reserveAttempt(
  db: DB,
  a: Attempt,
  limits: LoginLimits,
  now = Date.now(),
): Promise<{ ok: true } | { ok: false; retryAfter: number }> {
  const since = new Date(now - limits.windowMs).toISOString();
  const recent = () =>
    db
      .selectFrom('login_attempts')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('created_at', '>', since);
  const prune = db
    .deleteFrom('login_attempts')
    .where('created_at', '<=', since)
    .where((eb) => eb.or([eb('account', '=', a.account), eb('ip', '=', a.ip)]))
    .compile();
  const reserve = db
    .insertInto('login_attempts')
    .columns(['account', 'ip', 'created_at'])
    .expression(
      db
        .selectNoFrom((eb) => [
          eb.val(a.account).as('account'),
          eb.val(a.ip).as('ip'),
          eb.val(new Date(now).toISOString()).as('created_at'),
        ])
        .where((w) =>
          w.and([
            w(recent().where('account', '=', a.account).where('ip', '=', a.ip), '<', limits.perAccountIp),
            w(recent().where('account', '=', a.account), '<', limits.perAccount),
            w(recent().where('ip', '=', a.ip), '<', limits.perIp),
          ]),
        ),
    )
    .returning('id')
    .compile();
  const [, inserted] = await db.batch<{ id: number }>([prune, reserve]);
  if (inserted?.results.length) return { ok: true };
  return { ok: false, retryAfter: await retryAfterSeconds(db, a, limits, now) };
}

/**
 * Seconds until every full bucket has room again: a bucket of limit L has room once the L-th
 * newest attempt in it leaves the window.
 */
async function retryAfterSeconds(db: DB, a: Attempt, limits: LoginLimits, now: number): Promise<number> {
  const since = new Date(now - limits.windowMs).toISOString();
  const buckets = [
    {
      limit: limits.perAccountIp,
      q: db.selectFrom('login_attempts').where('account', '=', a.account).where('ip', '=', a.ip),
    },
    { limit: limits.perAccount, q: db.selectFrom('login_attempts').where('account', '=', a.account) },
    { limit: limits.perIp, q: db.selectFrom('login_attempts').where('ip', '=', a.ip) },
  ];
  const waits = await Promise.all(
    buckets.map(async ({ limit, q }) => {
      const row = await q
        .select('created_at')
        .where('created_at', '>', since)
        .orderBy('created_at', 'desc')
        .limit(1)
        .offset(limit - 1)
        .executeTakeFirst();
      return row ? Math.ceil((Date.parse(row.created_at) + limits.windowMs - now) / 1000) : 0;
    }),
  );
  // At least 1: the insert was refused, so some bucket was full a moment ago.
  return Math.max(1, ...waits);
}

/**
 * The password was right: drop this (account, IP) bucket, the reservation included. Failures
 * from other IPs stay counted against the account, and other accounts' against the IP.
 */
export async function clearAttempts(db: DB, a: Attempt): Promise<void> {
  await db.deleteFrom('login_attempts').where('account', '=', a.account).where('ip', '=', a.ip).execute();
}
