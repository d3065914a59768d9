import { type CompiledQuery, type RawBuilder, sql } from 'kysely';
import type { DB } from './index';

/**
 * Title search at any size (issue 16). Every word must match a title word as a prefix, case and
 * accents ignored, newest match first. What makes that cost the same at 1M bugs as at 100:
 *
 * - FTS5 answers a prefix query it has no prefix index for by merging the doclists of every
 *   matching term before it returns one row: "benchmark*" read every title with that word, even
 *   for a page of 25. Exact terms, and prefixes served by the `prefix='2 3'` index (migration
 *   0012), are read lazily, newest first, so a page stops after its rows.
 * - So a word of 4+ characters is expanded to the terms it is a prefix of, from `search_terms`
 *   (every word ever indexed; a range read of at most MAX_EXPANSION + 1 rows), and searched as
 *   `("word" OR "wordy" OR …)`: exact terms only. Past MAX_EXPANSION terms it falls back to FTS5's
 *   own prefix query (correct, slower: a prefix that many words share). The expansion is a
 *   sub-select on the right of MATCH, in the search's own statement: one D1 round trip in all.
 * - A word of 2 or 3 characters is a prefix the index holds. A 1-character word is a whole word
 *   (the minimum prefix length is 2: "a" would otherwise mean "every title with a word starting
 *   with a").
 * - `site:host` and `by:username` are ours, never FTS5 syntax: they become the domain and
 *   reporter filters. Everything else is split into words of letters and digits and each word is
 *   quoted, so no FTS5 syntax a user types (quotes, NEAR, *, -, ^, column filters) reaches MATCH.
 */

/** Words searched at most; more are ignored. */
export const MAX_WORDS = 8;
/** Terms a long word may expand to before the FTS5 prefix query is used instead. */
export const MAX_EXPANSION = 64;

export interface ParsedSearch {
  /** Words to match, folded (lower case, no accents), at most MAX_WORDS. */
  words: string[];
  /** `site:` host, lower case; the last one wins. */
  site?: string;
  /** `by:` username; the last one wins. */
  by?: string;
}

/** Lower case and accents removed, as FTS5's unicode61 tokenizer with remove_diacritics 2 folds. */
export function foldWord(word: string): string {
  return word
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** The words a title is indexed under (what `search_terms` gets when a title is written). */
export function titleTerms(title: string): string[] {
  return [...new Set((title.normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? []).map(foldWord).filter(Boolean))];
}

/** Splits what a user typed into our `site:`/`by:` filters and the words FTS5 will see. */
export function parseSearch(q: string): ParsedSearch {
  const out: ParsedSearch = { words: [] };
  for (const token of q.normalize('NFKC').split(/\s+/)) {
    const filter = /^(site|by):(.+)$/i.exec(token);
    if (filter?.[1] && filter[2]) {
      if (filter[1].toLowerCase() === 'site') out.site = filter[2].toLowerCase().replace(/\/+$/, '');
      else out.by = filter[2];
      continue;
    }
    for (const w of token.match(/[\p{L}\p{N}]+/gu) ?? []) {
      const folded = foldWord(w);
      if (folded && out.words.length < MAX_WORDS) out.words.push(folded);
    }
  }
  return out;
}

/** FTS5 string literal: the word between double quotes (words hold no quotes, but be exact). */
function quoted(term: string): string {
  return `"${term.replaceAll('"', '""')}"`;
}

/**
 * SQL for the MATCH expression of one long word, built by SQLite from `search_terms` inside the
 * search's own statement (so expansion and search are ONE round trip, not two): `"word"` when no
 * other indexed term starts with it, `("word" OR "wordy" OR …)` (the word first, then the terms in
 * order) up to MAX_EXPANSION terms, and FTS5's own prefix query `"word"*` past that. The range read
 * is at most MAX_EXPANSION + 1 rows of the primary key, and the sub-select is not correlated, so
 * SQLite computes it once per statement.
 */
function expandedSql(word: string): RawBuilder<string> {
  const q = quoted(word);
  return sql<string>`(SELECT CASE
      WHEN count(*) > ${sql.lit(MAX_EXPANSION)} THEN ${`${q}*`}
      WHEN count(CASE WHEN term <> ${word} THEN 1 END) = 0 THEN ${q}
      ELSE ${`(${q}`} || group_concat(CASE WHEN term <> ${word} THEN ' OR "' || replace(term, '"', '""') || '"' END, '') || ')'
    END
    FROM (SELECT term FROM search_terms WHERE term >= ${word} AND term < ${`${word}\u{10FFFF}`}
      ORDER BY term LIMIT ${sql.lit(MAX_EXPANSION + 1)}))`;
}

/**
 * The FTS5 MATCH expression for `words` (every word required) as an SQL expression to put on the
 * right of `bugs_fts MATCH`, or null when there are none. Short words are fixed strings; each long
 * word is expanded by `expandedSql` in the same statement.
 */
export function matchSql(words: string[]): RawBuilder<string> | null {
  if (!words.length) return null;
  const parts = words.map((w) => {
    if (w.length === 1) return sql<string>`${quoted(w)}`;
    if (w.length <= 3) return sql<string>`${`${quoted(w)}*`}`;
    return expandedSql(w);
  });
  return sql<string>`(${sql.join(parts, sql` || ' AND ' || `)})`;
}

/** The MATCH expression `matchSql` builds, as text (for tests and for reading what a search does). */
export async function ftsMatch(db: DB, words: string[]): Promise<string | null> {
  const match = matchSql(words);
  if (!match) return null;
  const row = await db.selectNoFrom(match.as('m')).executeTakeFirst();
  return row?.m ?? null;
}

/** Records a title's words, so prefixes of them expand to them (same batch as the title write). */
export function recordTitleTerms(db: DB, title: string): CompiledQuery[] {
  const terms = titleTerms(title).filter((t) => t.length >= 4);
  if (!terms.length) return [];
  return [
    db
      .insertInto('search_terms')
      .values(terms.map((term) => ({ term })))
      .onConflict((oc) => oc.column('term').doNothing())
      .compile(),
  ];
}

/** The title search condition for a bugs row driven by another index (domain, reporter). */
export function matchesBug(match: RawBuilder<string>) {
  return sql<boolean>`EXISTS (SELECT 1 FROM bugs_fts WHERE bugs_fts MATCH ${match} AND bugs_fts.rowid = bugs.id)`;
}
