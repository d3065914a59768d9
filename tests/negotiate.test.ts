import { describe, expect, it } from 'vitest';
import { call } from './helpers';

/** What /api/bugs answers for an Accept header (no HX-Request): JSON or the HTML page. */
async function kind(accept: string | undefined): Promise<'json' | 'html'> {
  const res = await call('/api/bugs?limit=1', accept === undefined ? {} : { headers: { Accept: accept } });
  expect(res.status).toBe(200);
  const type = res.headers.get('Content-Type') ?? '';
  expect(res.headers.get('Vary')).toContain('Accept');
  return type.startsWith('application/json') ? 'json' : 'html';
}

describe('content negotiation honours q-values (hono/accepts)', () => {
  it.each([
    ['application/json;q=0, text/html', 'html'],
    ['application/json;q=0', 'html'],
    ['application/json;q=0.5, text/html;q=0.9', 'html'],
    ['text/html;q=0.1, application/json', 'json'],
    ['*/*', 'html'],
    ['application/json', 'json'],
    ['application/json, */*;q=0.1', 'json'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'html'],
    // Ties keep the client's order: the first listed of equal q wins.
    ['application/json, text/html', 'json'],
    ['text/html, application/json', 'html'],
    ['application/*', 'json'],
    ['', 'html'],
  ] as const)('Accept: %s → %s', async (accept, want) => {
    expect(await kind(accept)).toBe(want);
  });

  it('no Accept header at all is the page', async () => {
    expect(await kind(undefined)).toBe('html');
  });
});
