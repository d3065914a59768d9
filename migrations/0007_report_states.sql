-- A report's life (issue 12): triage states, a timeline of events, outcome points, duplicates
-- and suspicious-report flags. Expand only: `bugs` gains columns (a rebuild would cascade through
-- the foreign keys of comments, upvotes and points and delete them). `status` stays, kept in step
-- with `state` by every write (worker/lib/states.ts statusOf): new/triaged/accepted are 'open',
-- spam is 'spam', every other state is 'closed'. A later migration may drop `status`.

ALTER TABLE bugs ADD COLUMN state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'triaged', 'accepted',
  'fixed', 'closed', 'duplicate', 'wont_fix', 'informative', 'spam'));
-- The original of a duplicate: another report on the same domain (checked by the Worker).
ALTER TABLE bugs ADD COLUMN duplicate_of INTEGER REFERENCES bugs (id) ON DELETE SET NULL;

UPDATE bugs SET state = CASE status WHEN 'closed' THEN 'closed' WHEN 'spam' THEN 'spam' ELSE 'new' END;

-- Lists by a single state (?status=triaged …), newest first, seeking by (created_at, id).
CREATE INDEX bugs_by_state ON bugs (state, is_hidden, created_at DESC, id DESC);
CREATE INDEX bugs_by_domain_state ON bugs (domain_id, state, is_hidden, created_at DESC, id DESC);
-- ?status=resolved (fixed or closed): one index range instead of two merged ones, so a page of
-- resolved reports needs no sort. The query repeats this WHERE literally (worker/db/bugs.ts).
CREATE INDEX bugs_resolved ON bugs (is_hidden, created_at DESC, id DESC) WHERE state IN ('fixed', 'closed');
CREATE INDEX bugs_resolved_by_domain ON bugs (domain_id, is_hidden, created_at DESC, id DESC)
  WHERE state IN ('fixed', 'closed');
CREATE INDEX bugs_duplicates ON bugs (duplicate_of) WHERE duplicate_of IS NOT NULL;

-- The timeline: every change of a report's state, who made it, when, and why.
CREATE TABLE bug_events (
  id INTEGER PRIMARY KEY,
  bug_id INTEGER NOT NULL REFERENCES bugs (id) ON DELETE CASCADE,
  user_id INTEGER REFERENCES users (id) ON DELETE SET NULL, -- null: before accounts acted, or a script
  kind TEXT NOT NULL CHECK (kind IN ('state_changed', 'retest_requested', 'withdrawn', 'reopened')),
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
  duplicate_of INTEGER REFERENCES bugs (id) ON DELETE SET NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX bug_events_by_bug ON bug_events (bug_id, created_at, id);

-- Reports marked spam before states existed get the event they would have had, so "undo spam"
-- knows where to return (closed if it had been closed, else new) and which take-backs to restore.
INSERT INTO bug_events (bug_id, user_id, kind, from_state, to_state, note, created_at)
  SELECT id, NULL, 'state_changed', CASE WHEN closed_at IS NULL THEN 'new' ELSE 'closed' END, 'spam',
    'Marked as spam before report states existed.', updated_at
  FROM bugs WHERE status = 'spam';

-- points.award: which award a ledger row belongs to ('reported', 'domain', 'accepted', 'fixed');
-- take-backs and restorations carry the award they reverse, so "does this report hold its
-- accepted points?" is one sum, and a report never earns the same outcome twice.
-- points.event_id: the timeline event that wrote the row (take-backs, restorations, outcomes),
-- so undoing a change can re-book exactly the rows it reversed, in their periods.
ALTER TABLE points ADD COLUMN award TEXT CHECK (award IS NULL OR award IN ('reported', 'domain', 'accepted', 'fixed'));
ALTER TABLE points ADD COLUMN event_id INTEGER REFERENCES bug_events (id) ON DELETE SET NULL;
UPDATE points SET award = CASE reason WHEN 'Bug reported' THEN 'reported' WHEN 'Domain added' THEN 'domain' END;
UPDATE points SET event_id = (SELECT max(e.id) FROM bug_events e WHERE e.bug_id = points.bug_id AND e.to_state = 'spam')
  WHERE reason = 'Marked as spam' AND bug_id IS NOT NULL;
CREATE INDEX points_by_event ON points (event_id) WHERE event_id IS NOT NULL;

-- Suspicious-report flags: once per user and report; admins resolve them (kept, or spam).
CREATE TABLE bug_flags (
  id INTEGER PRIMARY KEY,
  bug_id INTEGER NOT NULL REFERENCES bugs (id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  reason TEXT NOT NULL CHECK (reason IN ('spam', 'fake', 'abusive', 'personal_data', 'other')),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  resolved_at TEXT,
  resolved_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
  resolution TEXT CHECK (resolution IS NULL OR resolution IN ('kept', 'spam')),
  UNIQUE (bug_id, user_id)
);
-- The admin queue reads only unresolved flags, oldest first.
CREATE INDEX bug_flags_open ON bug_flags (created_at, bug_id) WHERE resolved_at IS NULL;
