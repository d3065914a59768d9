-- Evidence and edits (issue 11): screenshots on R2, edit history, removed comments.

-- One row per stored screenshot. The bytes live in the R2 bucket SCREENSHOTS under `key`
-- (random, 32 base64url characters); `type` is the MIME type sniffed from the bytes, never the
-- client's word; width and height come from the image's own header, so the page reserves the
-- space before the image arrives. Rows go with their report (ON DELETE CASCADE); the R2 objects
-- are deleted by worker/db/screenshots.ts deleteBugScreenshots(), which also deletes the rows.
CREATE TABLE screenshots (
  id INTEGER PRIMARY KEY,
  bug_id INTEGER NOT NULL REFERENCES bugs (id) ON DELETE CASCADE,
  key TEXT NOT NULL UNIQUE CHECK (length(key) = 32 AND key NOT GLOB '*[^A-Za-z0-9_-]*'),
  type TEXT NOT NULL CHECK (type IN ('image/png', 'image/jpeg', 'image/webp', 'image/gif')),
  width INTEGER NOT NULL CHECK (width > 0),
  height INTEGER NOT NULL CHECK (height > 0),
  bytes INTEGER NOT NULL CHECK (bytes > 0),
  created_at TEXT NOT NULL
);
CREATE INDEX screenshots_by_bug ON screenshots (bug_id, id);

-- Each edit of a report keeps the values it replaced, who edited and when (newest id last).
CREATE TABLE bug_revisions (
  id INTEGER PRIMARY KEY,
  bug_id INTEGER NOT NULL REFERENCES bugs (id) ON DELETE CASCADE,
  user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
  created_at TEXT NOT NULL,
  url TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  label TEXT NOT NULL,
  severity TEXT NOT NULL
);
CREATE INDEX bug_revisions_by_bug ON bug_revisions (bug_id, id);

-- When the report was last edited (null: never), so the page can say "edited" without a count.
ALTER TABLE bugs ADD COLUMN edited_at TEXT;

-- A removed comment keeps its place in the thread ("comment removed") but not its words: the
-- body is replaced (the CHECK needs 1-5000 characters) and deleted_at says when.
ALTER TABLE comments ADD COLUMN deleted_at TEXT;
