import type { StatusFilter } from '../../worker/db/bugs';
import type { Label, Severity, State, Status } from '../../worker/db/schema';

/** Human names for BLT's label values (the values themselves are the API). */
export const LABEL_NAMES: Record<Label, string> = {
  general: 'General',
  number_error: 'Number error',
  functional: 'Functional',
  performance: 'Performance',
  security: 'Security',
  typo: 'Typo',
  design: 'Design',
  server_down: 'Server down',
  trademark_squatting: 'Trademark squatting',
};

export const SEVERITY_NAMES: Record<Severity, string> = {
  none: 'None',
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'Critical',
};

export const STATUS_NAMES: Record<Status, string> = { open: 'Open', closed: 'Closed', spam: 'Spam' };

/** A report's states as people read them (the values are the API). */
export const STATE_NAMES: Record<State, string> = {
  new: 'New',
  triaged: 'Triaged',
  accepted: 'Accepted',
  fixed: 'Fixed',
  closed: 'Closed',
  duplicate: 'Duplicate',
  wont_fix: 'Won’t fix',
  informative: 'Informative',
  spam: 'Spam',
};

/** What each `?status=` filter shows, as the filter menu and summary say it. */
export const STATUS_FILTER_NAMES: Record<StatusFilter, string> = {
  open: 'Open (new, triaged, accepted)',
  ended: 'No longer open',
  resolved: 'Resolved (fixed or closed)',
  new: 'New',
  triaged: 'Triaged',
  accepted: 'Accepted',
  fixed: 'Fixed',
  closed: 'Closed',
  duplicate: 'Duplicate',
  wont_fix: 'Won’t fix',
  informative: 'Informative',
};

/** "2026-11-27" from an ISO timestamp: the same on server and in every timezone. */
export function day(iso: string): string {
  return iso.slice(0, 10);
}

/** Builds a query string from the set values only, so shared URLs stay short. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') sp.set(k, String(v));
  const s = sp.toString();
  return s ? `?${s}` : '';
}

/** "2026-11-27 14:05 UTC": the exact moment, for a `<time>`'s title. */
export function absolute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * "3 hours ago", "yesterday", "5 days ago", or the day itself once it is a month old:
 * computed on the server when the page is rendered, so no script is needed to read it.
 */
export function relativeTime(iso: string, now = new Date()): string {
  const seconds = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return day(iso);
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return plural(Math.floor(seconds / 60), 'minute');
  if (seconds < 86_400) return plural(Math.floor(seconds / 3600), 'hour');
  const days = Math.floor(seconds / 86_400);
  if (days === 1) return 'yesterday';
  if (days < 31) return plural(days, 'day');
  return day(iso);
}
