-- Issue 16: the domain page's "top reporters" grouped every public report of the domain on each
-- view (rows read grew with the domain's size). This counter holds the same numbers, one row per
-- (domain, reporter): public (is_hidden = 0), non-spam reports by a signed-in reporter. Triggers
-- on bugs keep it in the statement of every change, so no write path can forget it; a page reads
-- the first few entries of domain_reporters_top. Deleted accounts are filtered when read (their
-- reports stay). No CHECK on n: a trigger's failure would abort the report's own write.
CREATE TABLE domain_reporters (
  domain_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  bugs INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (domain_id, user_id)
) WITHOUT ROWID;
CREATE INDEX domain_reporters_top ON domain_reporters (domain_id, bugs DESC, user_id);
INSERT INTO domain_reporters (domain_id, user_id, bugs)
  SELECT domain_id, user_id, count(*) FROM bugs
  WHERE user_id IS NOT NULL AND is_hidden = 0 AND status != 'spam'
  GROUP BY domain_id, user_id;
CREATE TRIGGER domain_reporters_insert AFTER INSERT ON bugs
  WHEN new.user_id IS NOT NULL AND new.is_hidden = 0 AND new.status != 'spam' BEGIN
  INSERT INTO domain_reporters (domain_id, user_id, bugs) VALUES (new.domain_id, new.user_id, 1)
    ON CONFLICT (domain_id, user_id) DO UPDATE SET bugs = bugs + 1;
END;
CREATE TRIGGER domain_reporters_update AFTER UPDATE OF user_id, domain_id, is_hidden, status ON bugs
  WHEN old.user_id IS NOT new.user_id OR old.domain_id != new.domain_id
    OR (old.is_hidden = 0 AND old.status != 'spam') != (new.is_hidden = 0 AND new.status != 'spam') BEGIN
  UPDATE domain_reporters SET bugs = bugs - 1
    WHERE domain_id = old.domain_id AND user_id = old.user_id AND old.is_hidden = 0 AND old.status != 'spam';
  DELETE FROM domain_reporters WHERE domain_id = old.domain_id AND user_id = old.user_id AND bugs <= 0;
  INSERT INTO domain_reporters (domain_id, user_id, bugs)
    SELECT new.domain_id, new.user_id, 1 WHERE new.user_id IS NOT NULL AND new.is_hidden = 0 AND new.status != 'spam'
    ON CONFLICT (domain_id, user_id) DO UPDATE SET bugs = bugs + 1;
END;
CREATE TRIGGER domain_reporters_delete AFTER DELETE ON bugs
  WHEN old.user_id IS NOT NULL AND old.is_hidden = 0 AND old.status != 'spam' BEGIN
  UPDATE domain_reporters SET bugs = bugs - 1 WHERE domain_id = old.domain_id AND user_id = old.user_id;
  DELETE FROM domain_reporters WHERE domain_id = old.domain_id AND user_id = old.user_id AND bugs <= 0;
END;
