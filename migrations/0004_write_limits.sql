-- Write limits and double-post protection (issue 7 item 8, issue 8 "No double posts").

-- Hourly counters per bucket ('report:user:12', 'comment:ip:203.0.113.7', …). A write adds one
-- with an upsert; the CHECK makes the statement that would pass the limit fail, which rolls back
-- its whole batch, so concurrent writes can never exceed a limit and a refusal counts nothing.
CREATE TABLE write_limits (
  bucket TEXT NOT NULL,
  window_start INTEGER NOT NULL, -- unix seconds at the start of the clock hour
  count INTEGER NOT NULL,
  max_count INTEGER NOT NULL,
  PRIMARY KEY (bucket, window_start),
  CONSTRAINT write_limit_reached CHECK (count <= max_count)
) WITHOUT ROWID;
CREATE INDEX write_limits_by_window ON write_limits (window_start);

-- The last minute of reports and comments, keyed on kind, author and a hash of the content.
-- Inserted in the same batch as the post: a second identical post in 60 s hits the primary
-- key, its batch rolls back, and it is answered with the first post (target_id).
CREATE TABLE recent_posts (
  key TEXT NOT NULL PRIMARY KEY,
  target_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL -- unix milliseconds
) WITHOUT ROWID;
CREATE INDEX recent_posts_by_age ON recent_posts (created_at);
