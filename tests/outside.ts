import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

/**
 * The outside internet, and only that, for tests of outbound fetches (domain verification):
 * msw 2 patches `fetch` in this isolate, which is also the one the Worker under test runs in
 * (SELF.fetch / exports.default.fetch), so the Worker's real verification code meets these
 * handlers. Any request nobody expected fails the test. `seen` lists every URL asked for.
 */
export const outside = setupServer();
export const seen: string[] = [];

/** Call once per test file that fetches outside. */
export function useOutside(): void {
  beforeAll(() => {
    outside.listen({ onUnhandledRequest: 'error' });
    outside.events.on('request:start', ({ request }) => {
      seen.push(request.url);
    });
  });
  afterEach(() => {
    outside.resetHandlers();
    seen.length = 0;
  });
  afterAll(() => outside.close());
}

export const RESOLVER = 'https://cloudflare-dns.com/dns-query';

/** DNS as the DoH resolver answers it (JSON API): per name, A, AAAA and TXT records. */
export function dns(zone: Record<string, { A?: string[]; AAAA?: string[]; TXT?: string[] }>) {
  const types = { A: 1, AAAA: 28, TXT: 16 } as const;
  return http.get(RESOLVER, ({ request }) => {
    const url = new URL(request.url);
    const name = (url.searchParams.get('name') ?? '').replace(/\.$/, '');
    const type = url.searchParams.get('type') as keyof typeof types;
    const records = zone[name];
    if (!records)
      return HttpResponse.json({ Status: 3, Answer: [] }, { headers: { 'content-type': 'application/dns-json' } });
    const data = records[type] ?? [];
    return HttpResponse.json(
      {
        Status: 0,
        Answer: data.map((d) => ({ name, type: types[type], TTL: 60, data: type === 'TXT' ? `"${d}"` : d })),
      },
      { headers: { 'content-type': 'application/dns-json' } },
    );
  });
}

export { HttpResponse, http };
