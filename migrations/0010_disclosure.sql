-- Disclosure that runs itself (issue 14): scorecards, security.txt contacts, disclosure dates.
-- Expand only: `bugs` gains columns, everything else is new tables and indexes.

-- When a report first got an answer (its first state change out of 'new', other than spam or a
-- withdrawal) and first reached 'fixed'. Set once, in the same batch as the move
-- (worker/db/scorecards.ts), so a scorecard never has to read the timeline.
ALTER TABLE bugs ADD COLUMN first_triaged_at TEXT;
ALTER TABLE bugs ADD COLUMN first_fixed_at TEXT;
-- Coordinated disclosure: the UTC date (YYYY-MM-DD) a private report becomes public. Set for every
-- private report (filed + 90 days); NULL for public ones. The daily cron reads due reports only.
ALTER TABLE bugs ADD COLUMN disclose_at TEXT CHECK (disclose_at IS NULL OR disclose_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]');
-- When an owner used their one extension (admins are not limited).
ALTER TABLE bugs ADD COLUMN disclosure_extended_at TEXT;

UPDATE bugs SET first_triaged_at = (
  SELECT min(e.created_at) FROM bug_events e
  WHERE e.bug_id = bugs.id AND e.kind = 'state_changed' AND e.from_state = 'new' AND e.to_state != 'spam');
UPDATE bugs SET first_fixed_at = (SELECT min(e.created_at) FROM bug_events e WHERE e.bug_id = bugs.id AND e.to_state = 'fixed');
UPDATE bugs SET disclose_at = date(created_at, '+90 days') WHERE is_hidden = 1;

-- The cron's work list: private reports by date.
CREATE INDEX bugs_disclose_due ON bugs (disclose_at, id) WHERE is_hidden = 1;

-- A domain's scorecard: public, non-spam reports only (a private report must not show anywhere).
-- `triaged` / `fixed` count reports that were ever answered / ever reached fixed;
-- `triaged_week` those answered within 7 days. `board_score` (per mille answered within a week,
-- NULL under 3 reports) orders the "most responsive domains" board through its index.
CREATE TABLE domain_scores (
  domain_id INTEGER PRIMARY KEY NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
  reports INTEGER NOT NULL DEFAULT 0,
  triaged INTEGER NOT NULL DEFAULT 0,
  triaged_week INTEGER NOT NULL DEFAULT 0,
  fixed INTEGER NOT NULL DEFAULT 0,
  board_score INTEGER
);
CREATE INDEX domain_scores_board ON domain_scores (board_score DESC, reports DESC, domain_id) WHERE board_score IS NOT NULL;

-- Histograms of time to first triage and to fix, per domain: `bucket` is the index of the first
-- upper bound (worker/lib/scorecard.ts BUCKET_HOURS) the time fits under. Medians are read from these.
CREATE TABLE domain_score_buckets (
  domain_id INTEGER NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('triage', 'fix')),
  bucket INTEGER NOT NULL CHECK (bucket BETWEEN 0 AND 11),
  n INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (domain_id, kind, bucket)
) WITHOUT ROWID;

-- Backfill from the reports as they are.
INSERT INTO domain_scores (domain_id, reports, triaged, triaged_week, fixed)
  SELECT domain_id, count(*), count(first_triaged_at),
    sum(first_triaged_at IS NOT NULL AND julianday(first_triaged_at) - julianday(created_at) <= 7),
    count(first_fixed_at)
  FROM bugs WHERE is_hidden = 0 AND state != 'spam' GROUP BY domain_id;
UPDATE domain_scores SET board_score = CASE WHEN reports >= 3 THEN (triaged_week * 1000) / reports END;
INSERT INTO domain_score_buckets (domain_id, kind, bucket, n)
  SELECT domain_id, kind, CASE
      WHEN h <= 1 THEN 0 WHEN h <= 4 THEN 1 WHEN h <= 12 THEN 2 WHEN h <= 24 THEN 3
      WHEN h <= 48 THEN 4 WHEN h <= 96 THEN 5 WHEN h <= 168 THEN 6 WHEN h <= 336 THEN 7
      WHEN h <= 720 THEN 8 WHEN h <= 1440 THEN 9 WHEN h <= 2160 THEN 10 ELSE 11 END AS bucket, count(*)
  FROM (
    SELECT domain_id, 'triage' AS kind, (julianday(first_triaged_at) - julianday(created_at)) * 24 AS h
      FROM bugs WHERE is_hidden = 0 AND state != 'spam' AND first_triaged_at IS NOT NULL
    UNION ALL
    SELECT domain_id, 'fix', (julianday(first_fixed_at) - julianday(created_at)) * 24
      FROM bugs WHERE is_hidden = 0 AND state != 'spam' AND first_fixed_at IS NOT NULL
  )
  GROUP BY domain_id, kind, bucket;

-- What the security.txt look-up found for a domain (worker/contact.ts). `requested_at` keeps the
-- look-up to at most one a day; `notified_through` is the last report id a notice covered.
CREATE TABLE domain_contacts (
  domain_id INTEGER PRIMARY KEY NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'found', 'not_found', 'expired', 'invalid')),
  contact TEXT CHECK (contact IS NULL OR length(contact) <= 320),
  requested_at TEXT NOT NULL,
  checked_at TEXT,
  notified_at TEXT,
  notified_through INTEGER NOT NULL DEFAULT 0
);

-- The disclosure timeline of a report: its date set, extended, consent given, published.
CREATE TABLE disclosure_events (
  id INTEGER PRIMARY KEY,
  bug_id INTEGER NOT NULL REFERENCES bugs (id) ON DELETE CASCADE,
  user_id INTEGER REFERENCES users (id) ON DELETE SET NULL, -- null: the cron
  kind TEXT NOT NULL CHECK (kind IN ('date_set', 'extended', 'consented', 'published')),
  disclose_at TEXT,
  reason TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
  created_at TEXT NOT NULL
);
CREATE INDEX disclosure_events_by_bug ON disclosure_events (bug_id, created_at, id);
