import { isTombstoneUsername } from '../../worker/lib/credentials';

/**
 * Who wrote a report or comment: a link to their profile, "anonymous" for a report without an
 * account, or "deleted user" for an account that was deleted (its row stays as a tombstone).
 */
export function UserName({ username, base = '' }: { username: string | null; base?: string }) {
  if (username === null) return <>anonymous</>;
  if (isTombstoneUsername(username)) return <span class="deleted-user">deleted user</span>;
  return <a href={`${base}/users/${encodeURIComponent(username)}`}>{username}</a>;
}
