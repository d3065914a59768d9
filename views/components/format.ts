import type { Label, Severity, Status } from '../../worker/db/schema';

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
