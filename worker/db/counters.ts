import { type CompiledQuery, sql } from 'kysely';
import type { DB } from './index';
import type { Label } from './schema';

/** The bug whose counters a change may have moved: its creation day, label and domain. */
export interface CounterKey {
  /** ISO created_at of the bug (its first 10 characters are the day). */
  createdAt: string;
  label: Label;
  domain: { id: number } | { hostname: string };
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * Statements that recompute, from the bugs themselves, the counters one bug's change can
 * affect: its two (day, label, open|closed) cells and its domain's has_public_bugs flag.
 * Recounting instead of adding ±1 keeps the counters right under concurrent writes and after
 * any repair; the counts read one day of one label through bugs_by_label, so they stay small.
 * Put them in the same batch as the write, after it. scripts/sql/rebuild-counters.sql does the
 * same for every bug at once (bulk loads, repairs); a test checks the two agree.
 */
export function refreshCounters(db: DB, key: CounterKey): CompiledQuery[] {
  const day = key.createdAt.slice(0, 10);
  const end = nextDay(day);
  const domainWhere = 'id' in key.domain ? sql`id = ${key.domain.id}` : sql`hostname = ${key.domain.hostname}`;
  return [
    sql`INSERT INTO bug_counts (day, label, status, n)
      SELECT ${day}, ${key.label}, s.status,
        (SELECT count(*) FROM bugs
          WHERE label = ${key.label} AND is_hidden = 0 AND status = s.status
            AND created_at >= ${day} AND created_at < ${end})
      FROM (SELECT 'open' AS status UNION ALL SELECT 'closed') AS s
      WHERE true
      ON CONFLICT (day, label, status) DO UPDATE SET n = excluded.n`.compile(db),
    sql`UPDATE domains SET has_public_bugs = EXISTS (
        SELECT 1 FROM bugs WHERE bugs.domain_id = domains.id AND bugs.is_hidden = 0 AND bugs.status != 'spam')
      WHERE ${domainWhere}`.compile(db),
  ];
}
