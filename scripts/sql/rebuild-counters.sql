-- Rebuilds the public-bug counters from the bugs table (bulk loads, repairs). The Worker keeps
-- them current row by row (worker/db/counters.ts); tests/queries.test.ts checks both agree.
DELETE FROM bug_counts;
INSERT INTO bug_counts (day, label, status, n)
  SELECT substr(created_at, 1, 10), label, status, count(*) FROM bugs
  WHERE is_hidden = 0 AND status IN ('open', 'closed') GROUP BY 1, 2, 3;
UPDATE domains SET has_public_bugs = EXISTS (
  SELECT 1 FROM bugs WHERE bugs.domain_id = domains.id AND bugs.is_hidden = 0 AND bugs.status != 'spam');
