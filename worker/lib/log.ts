/**
 * Our log lines: one JSON object per line, so Workers Logs (and `wrangler tail`) can filter on
 * fields (ARCHITECTURE.md "Observability"). Only the fields named here are ever written; request
 * lines carry the route pattern, never the URL, so ids, tokens and search words in paths or query
 * strings never reach a log. Nothing here takes a user's email, password, token or cookie.
 */
export type LogFields = {
  level?: 'info' | 'warn' | 'error';
  type: 'request' | 'queue' | 'cron' | 'event';
  request_id?: string;
  method?: string;
  route?: string;
  representation?: string;
  status?: number;
  duration_ms?: number;
  d1?: { queries: number; round_trips?: number; rows_read: number; rows_written: number; ms: number } | null;
  cache?: string | null;
  /** For queue and cron runs: the queue or cron name, and counts of what happened. */
  name?: string;
  counts?: Record<string, number>;
  /** An unexpected exception: its class and message, and the stack (our code's frames). */
  error?: { name: string; message: string; stack?: string | undefined };
};

const ALLOWED = new Set<keyof LogFields>([
  'level',
  'type',
  'request_id',
  'method',
  'route',
  'representation',
  'status',
  'duration_ms',
  'd1',
  'cache',
  'name',
  'counts',
  'error',
]);

/** Writes one line. Unknown keys are dropped, so a caller cannot widen what we log by accident. */
export function log(fields: LogFields): void {
  const line: Record<string, unknown> = { level: fields.level ?? 'info' };
  for (const [k, v] of Object.entries(fields)) if (ALLOWED.has(k as keyof LogFields) && v !== undefined) line[k] = v;
  const text = JSON.stringify(line);
  if (line.level === 'error') console.error(text);
  else console.log(text);
}
