-- Accounts people can recover and control, with real email (issue 10). Adds columns and tables
-- only: `users` is referenced by every other table, so it is never rebuilt.

-- When the address was confirmed (a link mailed to it was used); NULL until then. Accounts made
-- before confirmation existed are taken as confirmed, so nobody already signed up is locked out.
ALTER TABLE users ADD COLUMN email_verified_at TEXT;
UPDATE users SET email_verified_at = created_at;

-- When the account was deleted. The row stays as a tombstone (username 'deleted-<random>',
-- an unusable email and password), so public reports and comments keep an author that reads
-- "deleted user", and no foreign key anywhere has to cascade (worker/db/accounts.ts).
ALTER TABLE users ADD COLUMN deleted_at TEXT;

-- One-use links mailed to a person: confirm the address, reset the password, confirm a new
-- address. Only the SHA-256 of the 32 random bytes is stored (hex); `email` is the address the
-- link went to (for 'change_email' the new address). Consumed by one conditional UPDATE
-- (used_at IS NULL AND expires_at > now), so a link works once even when clicked twice at once.
CREATE TABLE email_tokens (
  token_hash TEXT NOT NULL PRIMARY KEY CHECK (length(token_hash) = 64),
  user_id INTEGER NOT NULL REFERENCES users (id),
  purpose TEXT NOT NULL CHECK (purpose IN ('verify', 'reset', 'change_email')),
  email TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  expires_at TEXT NOT NULL,
  used_at TEXT
) WITHOUT ROWID;
CREATE INDEX email_tokens_by_user ON email_tokens (user_id, purpose);
CREATE INDEX email_tokens_by_expiry ON email_tokens (expires_at);

-- The transactional outbox: a message is inserted in the same D1 batch as the change that
-- causes it, then a Queue consumer sends it (worker/mail/consumer.ts). `attempts` counts sends
-- tried; `locked_until` is the lease one consumer holds while sending, so a row is sent by one
-- consumer at a time and a 'sent' row never again.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  to_address TEXT NOT NULL,
  subject TEXT NOT NULL,
  text_body TEXT NOT NULL,
  html_body TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error TEXT,
  locked_until TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  sent_at TEXT
);
CREATE INDEX outbox_recent ON outbox (created_at DESC, id DESC);
CREATE INDEX outbox_by_status ON outbox (status, created_at DESC, id DESC);
CREATE INDEX outbox_by_address ON outbox (to_address);
