-- Issue 16: search and stats that cost the same at 1M bugs as at 100k.

-- Title search: the same external-content FTS5 index over bugs.title, now with prefix indexes for
-- 2- and 3-character prefixes. A prefix query FTS5 has no prefix index for merges the doclists of
-- every matching term before returning a row, so "be" cost as much as the number of titles with a
-- word starting with "be"; with prefix='2 3' a short prefix is one index lookup read newest first.
-- (Longer words are looked up by worker/db/search.ts; see there.) FTS tables are referenced by no
-- foreign key, so dropping and rebuilding this one loses nothing: 'rebuild' refills it from bugs.
DROP TRIGGER bugs_fts_insert;
DROP TRIGGER bugs_fts_delete;
DROP TRIGGER bugs_fts_update;
DROP TABLE bugs_fts;
CREATE VIRTUAL TABLE bugs_fts USING fts5(title, content='bugs', content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3');
INSERT INTO bugs_fts (bugs_fts) VALUES ('rebuild');
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

-- Stats totals: bug_counts has one row per (day, label, status) since the first report, so the
-- totals and the per-label chart summed a number of rows that grows with the site's age. These
-- 18 rows (9 labels x open|closed) hold the same sums, kept by triggers on bug_counts in the same
-- statement as every change to it (worker/db/counters.ts and scripts/sql/rebuild-counters.sql
-- write bug_counts only).
CREATE TABLE bug_totals (
  label TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
  n INTEGER NOT NULL DEFAULT 0 CHECK (n >= 0),
  PRIMARY KEY (label, status)
) WITHOUT ROWID;
INSERT INTO bug_totals (label, status, n) SELECT label, status, sum(n) FROM bug_counts GROUP BY label, status;
CREATE TRIGGER bug_totals_insert AFTER INSERT ON bug_counts BEGIN
  INSERT INTO bug_totals (label, status, n) VALUES (new.label, new.status, new.n)
    ON CONFLICT (label, status) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER bug_totals_update AFTER UPDATE ON bug_counts BEGIN
  UPDATE bug_totals SET n = n - old.n WHERE label = old.label AND status = old.status;
  INSERT INTO bug_totals (label, status, n) VALUES (new.label, new.status, new.n)
    ON CONFLICT (label, status) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER bug_totals_delete AFTER DELETE ON bug_counts BEGIN
  UPDATE bug_totals SET n = n - old.n WHERE label = old.label AND status = old.status;
END;

-- The "domains" stat counted every domains_public index entry (one per domain with a public bug).
-- One row keeps that count, moved by triggers whenever has_public_bugs changes.
CREATE TABLE site_totals (
  name TEXT PRIMARY KEY CHECK (name IN ('public_domains')),
  n INTEGER NOT NULL DEFAULT 0 CHECK (n >= 0)
) WITHOUT ROWID;
INSERT INTO site_totals (name, n) SELECT 'public_domains', count(*) FROM domains WHERE has_public_bugs = 1;
CREATE TRIGGER site_totals_domain_insert AFTER INSERT ON domains WHEN new.has_public_bugs = 1 BEGIN
  UPDATE site_totals SET n = n + 1 WHERE name = 'public_domains';
END;
CREATE TRIGGER site_totals_domain_update AFTER UPDATE OF has_public_bugs ON domains
  WHEN new.has_public_bugs != old.has_public_bugs BEGIN
  UPDATE site_totals SET n = n + (CASE WHEN new.has_public_bugs = 1 THEN 1 ELSE -1 END) WHERE name = 'public_domains';
END;
CREATE TRIGGER site_totals_domain_delete AFTER DELETE ON domains WHEN old.has_public_bugs = 1 BEGIN
  UPDATE site_totals SET n = n - 1 WHERE name = 'public_domains';
END;

-- Every word (4+ characters, folded as the FTS5 tokenizer folds) any title was indexed under, so a
-- long search word can be expanded to the few terms it is a prefix of and searched as exact terms
-- (worker/db/search.ts). The Worker adds a title's words in the batch that writes the title; this
-- fills it from the index once (fts5vocab lists the index's terms).
CREATE TABLE search_terms (
  term TEXT PRIMARY KEY CHECK (length(term) BETWEEN 1 AND 200)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE bugs_fts_vocab USING fts5vocab(bugs_fts, row);
INSERT INTO search_terms (term) SELECT term FROM bugs_fts_vocab WHERE length(term) BETWEEN 4 AND 200;
DROP TABLE bugs_fts_vocab;
