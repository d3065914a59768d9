-- Personal API tokens for scripts and apps (issue 15). A token is `blt_` + 32 random bytes as
-- base64url; only the SHA-256 of the whole text is stored (hex), so the table alone cannot be
-- turned back into a working token. `scopes` is a space-separated subset of
-- 'read report comment triage'. Revoked tokens keep their row (revoked_at set) so the settings
-- page can say when; account deletion removes the rows (worker/db/accounts.ts).
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
  token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
  scopes TEXT NOT NULL CHECK (length(scopes) BETWEEN 4 AND 40),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id, id);
