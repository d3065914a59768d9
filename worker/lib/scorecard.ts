/**
 * Upper bounds, in hours, of the histogram buckets that hold a domain's times to first triage and
 * to fix (the last bucket is open: anything longer). The SQL that fills them (worker/db/scorecards.ts
 * and migrations/0010_disclosure.sql) uses the same bounds; a test keeps them equal.
 */
export const BUCKET_HOURS = [1, 4, 12, 24, 48, 96, 168, 336, 720, 1440, 2160] as const;

/** Number of buckets: one per bound plus the open one. */
export const BUCKETS = BUCKET_HOURS.length + 1;

/** The bucket a duration falls in: the first bound it does not exceed. */
export function bucketOf(hours: number): number {
  const i = BUCKET_HOURS.findIndex((b) => hours <= b);
  return i === -1 ? BUCKET_HOURS.length : i;
}

/** What a median read from buckets can say: it lies in (`low`, `high`] hours; `high` null = longer. */
export interface BucketMedian {
  low: number;
  high: number | null;
  /** How many durations it is the median of. */
  n: number;
}

/**
 * The median of a histogram: the bucket holding the middle value (the lower middle for an even
 * count). Exact to the bucket only, and every page that shows it says so. Null when empty.
 */
export function medianOfBuckets(counts: readonly number[]): BucketMedian | null {
  const n = counts.reduce((a, b) => a + Math.max(0, b), 0);
  if (n === 0) return null;
  const middle = Math.ceil(n / 2);
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += Math.max(0, counts[i] ?? 0);
    if (seen >= middle) return { low: i === 0 ? 0 : (BUCKET_HOURS[i - 1] ?? 0), high: BUCKET_HOURS[i] ?? null, n };
  }
  return null;
}

function hoursText(h: number): string {
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} d`;
}

/** "under 1 h", "4–12 h", "7–14 d", "over 90 d": a bucket median for people. */
export function medianText(m: BucketMedian | null): string {
  if (!m) return '—';
  if (m.high === null) return `over ${hoursText(m.low)}`;
  if (m.low === 0) return `under ${hoursText(m.high)}`;
  return m.high >= 48 ? `${Math.round(m.low / 24)}–${Math.round(m.high / 24)} d` : `${m.low}–${m.high} h`;
}

/** The short form a badge has room for: the bucket's upper bound ("≤ 9 d" style, "> 90 d"). */
export function medianShort(m: BucketMedian | null): string | null {
  if (!m) return null;
  return m.high === null ? `> ${hoursText(m.low)}` : `≤ ${hoursText(m.high)}`;
}

/** A share as a whole percentage, or null when there is nothing to divide. */
export function percent(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part * 100) / whole) : null;
}
