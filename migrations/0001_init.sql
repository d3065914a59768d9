-- BLT-Next data model (see DESIGN.md "Data model"). Never edit after it lands: add a new file.
-- Timestamps are ISO-8601 UTC text with milliseconds, so they sort as text and their first
-- seven characters are the month used by user_scores.

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL COLLATE NOCASE UNIQUE
    CHECK (length(username) BETWEEN 3 AND 30 AND username NOT GLOB '*[^A-Za-z0-9_-]*'),
  email TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  session_version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE domains (
  id INTEGER PRIMARY KEY,
  hostname TEXT NOT NULL UNIQUE CHECK (hostname = lower(hostname) AND length(hostname) BETWEEN 1 AND 253),
  -- 1 while the domain has at least one public, non-spam bug: what the "domains" stat counts.
  has_public_bugs INTEGER NOT NULL DEFAULT 0 CHECK (has_public_bugs IN (0, 1)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX domains_public ON domains (has_public_bugs);

CREATE TABLE bugs (
  id INTEGER PRIMARY KEY,
  user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
  domain_id INTEGER NOT NULL REFERENCES domains (id),
  url TEXT NOT NULL CHECK (length(url) <= 2048 AND (url LIKE 'http://%' OR url LIKE 'https://%')),
  title TEXT NOT NULL CHECK (length(title) BETWEEN 5 AND 200),
  description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
  label TEXT NOT NULL DEFAULT 'general' CHECK (label IN ('general', 'number_error', 'functional',
    'performance', 'security', 'typo', 'design', 'server_down', 'trademark_squatting')),
  severity TEXT NOT NULL DEFAULT 'none' CHECK (severity IN ('none', 'low', 'medium', 'high', 'critical')),
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'spam')),
  is_hidden INTEGER NOT NULL DEFAULT 0 CHECK (is_hidden IN (0, 1)),
  upvotes INTEGER NOT NULL DEFAULT 0 CHECK (upvotes >= 0),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  closed_at TEXT,
  closed_by INTEGER REFERENCES users (id) ON DELETE SET NULL
);

-- Every list reads "newest first" through one of these, seeking by (created_at, id) so that
-- page N costs the same as page 1. is_hidden leads so public lists are an index SEARCH.
CREATE INDEX bugs_recent ON bugs (is_hidden, created_at DESC, id DESC);
CREATE INDEX bugs_by_domain ON bugs (domain_id, is_hidden, created_at DESC, id DESC);
-- Domain pages list open and closed separately; without this SQLite would walk every open bug.
CREATE INDEX bugs_by_domain_status ON bugs (domain_id, status, is_hidden, created_at DESC, id DESC);
CREATE INDEX bugs_by_status ON bugs (status, is_hidden, created_at DESC, id DESC);
CREATE INDEX bugs_by_label ON bugs (label, is_hidden, created_at DESC, id DESC);
CREATE INDEX bugs_by_severity ON bugs (severity, is_hidden, created_at DESC, id DESC);
CREATE INDEX bugs_by_user ON bugs (user_id, created_at DESC, id DESC);

-- Title search: an external-content FTS5 index over bugs.title, kept in step by triggers, so
-- a search seeks the index instead of running LIKE over every title.
CREATE VIRTUAL TABLE bugs_fts USING fts5(title, content='bugs', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER bugs_fts_insert AFTER INSERT ON bugs BEGIN
  INSERT INTO bugs_fts (rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER bugs_fts_delete AFTER DELETE ON bugs BEGIN
  INSERT INTO bugs_fts (bugs_fts, rowid, title) VALUES ('delete', old.id, old.title);
END;
CREATE TRIGGER bugs_fts_update AFTER UPDATE OF title ON bugs BEGIN
  INSERT INTO bugs_fts (bugs_fts, rowid, title) VALUES ('delete', old.id, old.title);
  INSERT INTO bugs_fts (rowid, title) VALUES (new.id, new.title);
END;

-- Public bug counts per creation day, label and status: the stats page and its charts read
-- these few rows instead of counting bugs. Every write that can change a bug's visibility,
-- label or status recomputes its cells in the same batch (worker/db/counters.ts).
CREATE TABLE bug_counts (
  day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  label TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
  n INTEGER NOT NULL DEFAULT 0 CHECK (n >= 0),
  PRIMARY KEY (day, label, status)
) WITHOUT ROWID;

CREATE TABLE upvotes (
  bug_id INTEGER NOT NULL REFERENCES bugs (id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (bug_id, user_id)
) WITHOUT ROWID;

CREATE TABLE comments (
  id INTEGER PRIMARY KEY,
  bug_id INTEGER NOT NULL REFERENCES bugs (id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX comments_by_bug ON comments (bug_id, created_at, id);

-- The points ledger: append-only; a reversal is a row with a negative score.
CREATE TABLE points (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  bug_id INTEGER REFERENCES bugs (id) ON DELETE SET NULL,
  domain_id INTEGER REFERENCES domains (id) ON DELETE SET NULL,
  score INTEGER NOT NULL,
  reason TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX points_by_user ON points (user_id, created_at DESC, id DESC);
CREATE INDEX points_by_bug ON points (bug_id);
CREATE INDEX points_by_domain ON points (domain_id, user_id);

-- Precomputed leaderboard: one row per user per period ('all' or 'YYYY-MM'), written in the
-- same batch as the ledger row, so a leaderboard page reads only its own rows.
CREATE TABLE user_scores (
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  period TEXT NOT NULL CHECK (period = 'all' OR period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
  score INTEGER NOT NULL DEFAULT 0,
  bugs INTEGER NOT NULL DEFAULT 0, -- reports counted in this period (spam taken back)
  PRIMARY KEY (user_id, period)
) WITHOUT ROWID;
CREATE INDEX user_scores_rank ON user_scores (period, score DESC, user_id);

-- Failed logins, counted per account name and per client IP for throttling (DESIGN.md).
CREATE TABLE login_failures (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('account', 'ip')),
  subject TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX login_failures_lookup ON login_failures (kind, subject, created_at);
