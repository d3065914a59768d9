-- Sessions bound to their account, look-alike usernames, and a login throttle that holds under
-- concurrency (issue 7 items 5-7, 10, 12). Adds columns and tables only: `users` is referenced by
-- every other table, and rebuilding it in D1 would cascade through their foreign keys.

-- A random per-user key carried in the session token: an account created later (SQLite reuses
-- the ids of deleted rows) never matches a cookie issued to the one before it.
ALTER TABLE users ADD COLUMN session_key TEXT;
UPDATE users SET session_key = lower(hex(randomblob(16)));

-- The username's confusable skeleton (worker/lib/credentials.ts; this SQL must compute the same,
-- tests/credentials.security.test.ts checks it): lower case, then the TR39 confusables among the
-- characters usernames may use, folded to lower case as names are case-insensitive (0 → o,
-- 1 → l, I/i → l, m → rn), plus w → vv and - → _. Unique, so the check is atomic with the insert.
ALTER TABLE users ADD COLUMN username_skeleton TEXT;
UPDATE users SET username_skeleton = replace(replace(replace(replace(replace(replace(lower(username),
  '0', 'o'), '1', 'l'), 'i', 'l'), 'm', 'rn'), 'w', 'vv'), '-', '_');
-- Look-alikes that already exist keep their names; only the oldest holds the skeleton, so no
-- new one can join them.
UPDATE users SET username_skeleton = NULL
  WHERE id NOT IN (SELECT min(id) FROM users GROUP BY username_skeleton);
CREATE UNIQUE INDEX users_username_skeleton ON users (username_skeleton);

-- Login attempts for the throttle (worker/db/throttle.ts). A row is reserved before the password
-- is hashed and deleted again when it was right, so the rows in the window are the failures
-- plus the attempts in flight. `account` is 'u:<users.id>', or 'n:<typed name>' for no account.
CREATE TABLE login_attempts (
  id INTEGER PRIMARY KEY,
  account TEXT NOT NULL,
  ip TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX login_attempts_account ON login_attempts (account, ip, created_at);
CREATE INDEX login_attempts_ip ON login_attempts (ip, created_at);

-- Replaced by login_attempts (it counted per typed name and per IP, in two steps).
-- contract: drops login_failures, which no released code read after this migration's own release
-- (written before the deploy pipeline existed; tests/migrations.test.ts exempts contract steps).
DROP TABLE login_failures;
