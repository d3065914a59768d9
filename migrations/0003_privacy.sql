-- Privacy and points (issue 7, items 2 and 17).
--
-- points.period: the month a ledger row counts in (user_scores 'YYYY-MM'). It is the month of
-- created_at, except for take-backs, which count in the month of the report they take back
-- (created_at stays the moment it happened, so the history shows it as recent). Every monthly
-- user_scores row equals the sum of the ledger rows with its period. A row inserted without a
-- period gets the month of its created_at from the trigger below, so older writers stay right.
ALTER TABLE points ADD COLUMN period TEXT
  CHECK (period IS NULL OR period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]');

CREATE TRIGGER points_default_period AFTER INSERT ON points WHEN new.period IS NULL BEGIN
  UPDATE points SET period = substr(new.created_at, 1, 7) WHERE id = new.id;
END;

-- Existing rows: the month of created_at, and spam take-backs the month of their report.
UPDATE points SET period = substr(created_at, 1, 7);
UPDATE points SET period = (SELECT substr(bugs.created_at, 1, 7) FROM bugs WHERE bugs.id = points.bug_id)
  WHERE reason = 'Marked as spam' AND bug_id IS NOT NULL;

-- user_scores again from the ledger under those rules; user_scores.bugs counts public,
-- non-spam reports only (a private report must not show in anyone's public counts).
DELETE FROM user_scores;
INSERT INTO user_scores (user_id, period, score, bugs)
  SELECT user_id, 'all', sum(score), 0 FROM points WHERE true GROUP BY user_id;
INSERT INTO user_scores (user_id, period, score, bugs)
  SELECT user_id, period, sum(score), 0 FROM points WHERE true GROUP BY user_id, period;
UPDATE user_scores SET bugs = (
  SELECT count(*) FROM bugs
  WHERE bugs.user_id = user_scores.user_id AND bugs.is_hidden = 0 AND bugs.status != 'spam'
    AND (user_scores.period = 'all' OR substr(bugs.created_at, 1, 7) = user_scores.period)
);
