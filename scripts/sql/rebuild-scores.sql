-- Rebuilds user_scores from the points ledger and the public reports, after rows were inserted
-- directly (npm run seed, npm run bench). The Worker keeps the same numbers on every write
-- (worker/db/bugs.ts insertBug, worker/db/interactions.ts markSpam): score is the sum of the
-- period's ledger rows; bugs counts public, non-spam reports (all time, or made that month).
INSERT INTO user_scores (user_id, period, score, bugs)
SELECT user_id, 'all', sum(score), 0 FROM points WHERE true GROUP BY user_id
ON CONFLICT (user_id, period) DO UPDATE SET score = excluded.score;
INSERT INTO user_scores (user_id, period, score, bugs)
SELECT user_id, period, sum(score), 0 FROM points WHERE true GROUP BY user_id, period
ON CONFLICT (user_id, period) DO UPDATE SET score = excluded.score;
UPDATE user_scores SET bugs = (
  SELECT count(*) FROM bugs
  WHERE bugs.user_id = user_scores.user_id AND bugs.is_hidden = 0 AND bugs.status != 'spam'
    AND (user_scores.period = 'all' OR substr(bugs.created_at, 1, 7) = user_scores.period)
);
