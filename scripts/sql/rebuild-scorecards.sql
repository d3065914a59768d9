-- Rebuilds every domain scorecard (domain_scores, domain_score_buckets) from the reports, as
-- migrations/0010_disclosure.sql did: for rows inserted directly (npm run seed, bulk loads) or a
-- repair. The Worker keeps them in step by itself (worker/db/scorecards.ts); the bucket bounds are
-- worker/lib/scorecard.ts BUCKET_HOURS. Answer times come from bugs.first_triaged_at/first_fixed_at.
DELETE FROM domain_score_buckets;
DELETE FROM domain_scores;
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
