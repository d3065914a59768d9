-- Reports that reach someone (issue 13): domain owners, their claims, in-app notifications and
-- each user's email choice. New tables and one added column only: `users`, `domains` and `bugs`
-- are referenced everywhere and are never rebuilt.

-- Who runs a domain: they see every report on it (private ones too) and move its states.
-- `added_by` is the admin or owner who added them; NULL when they proved control themselves
-- (`method` says how: 'dns' or 'file' for a verified claim, 'added' for a direct addition).
CREATE TABLE domain_owners (
  domain_id INTEGER NOT NULL REFERENCES domains (id),
  user_id INTEGER NOT NULL REFERENCES users (id),
  added_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
  method TEXT NOT NULL DEFAULT 'added' CHECK (method IN ('dns', 'file', 'added')),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (domain_id, user_id)
) WITHOUT ROWID;
-- /owned and "is this user an owner of anything": by user.
CREATE INDEX domain_owners_by_user ON domain_owners (user_id, domain_id);

-- A user's claim on a domain: one random token per (domain, user), shown on the claim page and
-- published by the claimant (DNS TXT or /.well-known/blt-verify.txt), valid for 7 days. The token
-- is public by design (it ends up in DNS), so it is stored as is. `method` and `verified_at` are
-- set when a check succeeded.
CREATE TABLE domain_claims (
  domain_id INTEGER NOT NULL REFERENCES domains (id),
  user_id INTEGER NOT NULL REFERENCES users (id),
  token TEXT NOT NULL CHECK (length(token) BETWEEN 16 AND 64),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  expires_at TEXT NOT NULL,
  method TEXT CHECK (method IS NULL OR method IN ('dns', 'file')),
  verified_at TEXT,
  PRIMARY KEY (domain_id, user_id)
) WITHOUT ROWID;
CREATE INDEX domain_claims_by_user ON domain_claims (user_id);

-- In-app notifications, newest first per user. `kind` is the event ('state_changed', 'comment',
-- 'new_report', and later kinds such as the disclosure issue's): checked as a short lower-case
-- word, not a fixed list, so a new kind needs no table rebuild. What the event was about is kept
-- structurally (report, domain, who acted, the move), rendered when read, so a renamed or deleted
-- account never stays frozen in someone's list; `summary` is free text for kinds that need more.
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 40 AND kind NOT GLOB '*[^a-z_]*'),
  bug_id INTEGER REFERENCES bugs (id) ON DELETE CASCADE,
  domain_id INTEGER REFERENCES domains (id),
  actor_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
  from_state TEXT,
  to_state TEXT,
  summary TEXT NOT NULL DEFAULT '' CHECK (length(summary) <= 500),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  read_at TEXT
);
-- The list: one user's, newest first, seeking by id (keyset).
CREATE INDEX notifications_by_user ON notifications (user_id, id DESC);
-- The header's unread count: one range of a small partial index.
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
-- Deleting a private report takes its notifications (worker/db/accounts.ts privateReportDeletes).
CREATE INDEX notifications_by_bug ON notifications (bug_id) WHERE bug_id IS NOT NULL;

-- The owners' triage console lists a domain's reports, every state, private ones included,
-- newest first: one index range, no sort.
CREATE INDEX bugs_by_domain_all ON bugs (domain_id, created_at DESC, id DESC);
CREATE INDEX bugs_by_domain_state_all ON bugs (domain_id, state, created_at DESC, id DESC);

-- Mail for notifications, per user: 'off', 'instant' (one mail per event, through the outbox),
-- or 'daily' (one digest a day: the disclosure issue's Cron Trigger sends it).
ALTER TABLE users ADD COLUMN notify_email TEXT NOT NULL DEFAULT 'instant'
  CHECK (notify_email IN ('off', 'instant', 'daily'));
