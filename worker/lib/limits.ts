import type { Context } from 'hono';
import { takeWriteSlot } from '../db/limits';
import type { AppEnv, Env } from '../types';

/** The writes with hourly limits (README "Write limits"). */
export type WriteKind = 'report' | 'comment' | 'upvote' | 'signup' | 'flag' | 'claim';

type LimitVar = keyof Env & `RATE_${string}`;

/** Which vars (wrangler.toml [vars]) hold each write's limits; sign-ups have no user yet. */
const LIMITS: Record<WriteKind, { user?: LimitVar; ip: LimitVar; what: string }> = {
  report: { user: 'RATE_REPORTS_PER_USER', ip: 'RATE_REPORTS_PER_IP', what: 'reports' },
  comment: { user: 'RATE_COMMENTS_PER_USER', ip: 'RATE_COMMENTS_PER_IP', what: 'comments' },
  upvote: { user: 'RATE_UPVOTES_PER_USER', ip: 'RATE_UPVOTES_PER_IP', what: 'upvotes' },
  signup: { ip: 'RATE_SIGNUPS_PER_IP', what: 'sign-ups from your network' },
  flag: { user: 'RATE_FLAGS_PER_USER', ip: 'RATE_FLAGS_PER_IP', what: 'flags' },
  // Each check of a domain claim fetches from the outside internet (worker/lib/verify.ts).
  claim: { user: 'RATE_CLAIM_CHECKS_PER_USER', ip: 'RATE_CLAIM_CHECKS_PER_IP', what: 'domain checks' },
};

/** The limit a var sets; a missing or malformed one is a deployment error, so it throws (500). Mail limits (routes/account.tsx) read theirs here too. */
export function limitOf(env: Env, name: LimitVar): number {
  const raw = env[name];
  const n = Number(raw);
  if (raw === undefined || String(raw).trim() === '' || !Number.isSafeInteger(n) || n < 0) {
    throw new Error(`${name} must be set to a whole number in wrangler.toml [vars] (got ${JSON.stringify(raw)})`);
  }
  return n;
}

/** The client's address as Cloudflare reports it; every request through Cloudflare has one. */
export function clientIp(c: Context): string {
  return c.req.header('CF-Connecting-IP') ?? 'unknown';
}

/** Why a write was refused: what to show, and the seconds for Retry-After. */
export interface WriteRefusal {
  retryAfter: number;
  message: string;
}

/**
 * Counts this write against the signed-in user's bucket and the client IP's bucket, both or
 * neither. Returns null when it may go ahead, or the refusal (429) the handler answers with:
 * forms re-render with what was typed, others throw `refuseWrite`. Call it after validation and
 * before the write, so a refused write writes nothing.
 */
export async function writeSlot(c: Context<AppEnv>, kind: WriteKind): Promise<WriteRefusal | null> {
  const spec = LIMITS[kind];
  const user = c.var.user;
  const buckets = [{ key: `${kind}:ip:${clientIp(c)}`, max: limitOf(c.env, spec.ip) }];
  if (spec.user && user) buckets.push({ key: `${kind}:user:${user.id}`, max: limitOf(c.env, spec.user) });
  const wait = await takeWriteSlot(c.var.db, buckets);
  if (wait === 0) return null;
  const minutes = Math.ceil(wait / 60);
  c.header('Retry-After', String(wait));
  return {
    retryAfter: wait,
    message: `That is more ${spec.what} in this hour than we accept. Please try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
  };
}
