import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { ORIGIN } from './helpers';

/** Makes a token through /settings/tokens as its owner would (cookie, same origin), JSON answer. */
export async function makeToken(cookie: string, scopes: string[], name = 'test'): Promise<string> {
  const body = new URLSearchParams({ name });
  for (const s of scopes) body.append('scopes', s);
  const res = await exports.default.fetch(
    new Request(`${ORIGIN}/settings/tokens`, {
      method: 'POST',
      headers: {
        Cookie: cookie,
        Origin: ORIGIN,
        Accept: 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body,
    }),
  );
  expect(res.status).toBe(201);
  const json = await res.json<{ token: string }>();
  expect(json.token).toMatch(/^blt_[A-Za-z0-9_-]{43}$/);
  return json.token;
}

/** A script's request: the token, a JSON body, no Origin, no cookie unless given. */
export function bearer(
  path: string,
  token: string,
  r: { method?: string; json?: unknown; cookie?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers = new Headers(r.headers);
  headers.set('Authorization', `Bearer ${token}`);
  if (r.cookie) headers.set('Cookie', r.cookie);
  let body: string | undefined;
  if (r.json !== undefined) {
    body = JSON.stringify(r.json);
    headers.set('Content-Type', 'application/json');
  }
  const method = r.method ?? (body === undefined ? 'GET' : 'POST');
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, { method, headers, body, redirect: 'manual' }));
}
