import { env, exports } from 'cloudflare:workers';
import { createDb } from '../worker/db';
import { insertBug, type NewBugInput } from '../worker/db/bugs';

export const ORIGIN = 'http://example.com';
export const db = () => createDb(env.DB);

let counter = 0;
/** A host name no other test uses, so each test sees only the rows it made. */
export function uniqueHost(prefix = 'site'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}.example`;
}

export interface Req {
  method?: string;
  hx?: boolean;
  json?: boolean;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Origin header for unsafe methods; same-origin by default. */
  origin?: string | null;
  cookie?: string;
}

/** Sends a request through the Worker's real fetch handler, as a browser or script would. */
export function call(path: string, r: Req = {}): Promise<Response> {
  const headers = new Headers(r.headers);
  if (r.hx) headers.set('HX-Request', 'true');
  if (r.json) headers.set('Accept', 'application/json');
  if (r.cookie) headers.set('Cookie', r.cookie);
  const method = r.method ?? (r.form ? 'POST' : 'GET');
  let body: string | undefined;
  if (r.form) {
    body = new URLSearchParams(r.form).toString();
    headers.set('Content-Type', 'application/x-www-form-urlencoded');
  }
  if (method !== 'GET' && method !== 'HEAD' && r.origin !== null && !headers.has('Origin')) {
    headers.set('Origin', r.origin ?? ORIGIN);
  }
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, { method, headers, body, redirect: 'manual' }));
}

/** Inserts a bug through the same function the Worker uses. */
export async function seedBug(overrides: Partial<NewBugInput> = {}): Promise<number> {
  const hostname = overrides.hostname ?? uniqueHost();
  return insertBug(db(), env.DB, {
    url: `https://${hostname}/page`,
    hostname,
    title: 'A seeded bug title',
    description: '',
    label: 'general',
    severity: 'none',
    isHidden: false,
    userId: null,
    ...overrides,
  });
}

/** Counts rows of a table matching a simple SQL condition. */
export async function count(table: string, where = '1 = 1', ...params: unknown[]): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`)
    .bind(...params)
    .first<{ n: number }>();
  return row?.n ?? 0;
}
