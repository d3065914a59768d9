import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import headersFile from '../public/_headers?raw';
import { CSP_DIRECTIVES } from '../worker/middleware/security';
import { call, count, uniqueHost, withVars } from './helpers';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
];

function expectStrictHeaders(res: Response) {
  const csp = res.headers.get('Content-Security-Policy') ?? '';
  for (const d of CSP) expect(csp).toContain(d);
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
  expect(res.headers.get('X-Frame-Options')).toBe('DENY');
  expect(res.headers.get('Referrer-Policy')).toBeTruthy();
  expect(res.headers.get('Strict-Transport-Security')).toMatch(/max-age=\d+/);
}

const form = (host: string, extra: Record<string, string> = {}) => ({
  url: `https://${host}/`,
  title: 'A perfectly valid title',
  description: 'desc',
  ...extra,
});

describe('security: headers', () => {
  it('pages, fragments, JSON and error pages all carry the strict CSP and friends', async () => {
    for (const [path, r] of [
      ['/bugs', {}],
      ['/api/bugs', { hx: true }],
      ['/api/stats', { json: true }],
      ['/no-such-page', {}],
      ['/bugs/new', {}],
    ] as const) {
      expectStrictHeaders(await call(path, r));
    }
  });

  it('public/_headers gives static files the same CSP as the Worker', () => {
    const line = headersFile.split('\n').find((l) => l.trim().startsWith('Content-Security-Policy:'));
    expect(line).toBeDefined();
    const fromFile = line!.split(':').slice(1).join(':').trim();
    const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const fromWorker = Object.entries(CSP_DIRECTIVES)
      .map(([k, v]) => `${kebab(k)} ${v.join(' ')}`)
      .join('; ');
    expect(fromFile).toBe(fromWorker);
    for (const d of CSP) expect(fromFile).toContain(d);
  });

  it('the layout loads only same-origin scripts and styles, with htmx config in a meta tag', async () => {
    const html = await (await call('/bugs')).text();
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(1);
    expect(scripts[0]![1]).toMatch(/src="\/assets\/htmx\.min\.js/);
    expect(scripts[0]![2]).toBe('');
    expect(html).not.toMatch(/ style=|hx-on|<style/);
    expect(html).toContain('<meta name="htmx-config" content="{&quot;includeIndicatorCSS&quot;:false}"/>');
  });
});

describe('security: CSRF, size and type limits', () => {
  it('a cross-origin form POST is refused with 403 and writes nothing', async () => {
    const host = uniqueHost('csrf');
    const res = await call('/api/bugs', { form: form(host), origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(await count('domains', 'hostname = ?', host)).toBe(0);
    expect(await count('bugs', 'url = ?', `https://${host}/`)).toBe(0);
  });

  it('a POST with no Origin and a cross-site Sec-Fetch-Site is refused', async () => {
    const host = uniqueHost('csrf2');
    const res = await call('/api/bugs', {
      form: form(host),
      origin: null,
      headers: { 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(res.status).toBe(403);
    expect(await count('domains', 'hostname = ?', host)).toBe(0);
  });

  it('a 100 KB body is refused with 413 before anything is written', async () => {
    const host = uniqueHost('big');
    const res = await call('/api/bugs', { form: form(host, { description: 'x'.repeat(100 * 1024) }) });
    expect(res.status).toBe(413);
    expect(await count('domains', 'hostname = ?', host)).toBe(0);
  });

  it('a JSON body is refused with 415: writes take form encodings only', async () => {
    const host = uniqueHost('json');
    const res = await call('/api/bugs', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      // biome-ignore lint/suspicious/noExplicitAny: a deliberately wrong body
      ...({ body: JSON.stringify(form(host)) } as any),
    });
    expect(res.status).toBe(415);
    expect(await count('domains', 'hostname = ?', host)).toBe(0);
  });
});

describe('security: user input', () => {
  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'ftp://x.example/',
    '//evil.example/',
  ])('URL %s is rejected with 422 and nothing is written', async (url) => {
    const before = await count('bugs');
    const res = await call('/api/bugs', { form: { url, title: 'A perfectly valid title' } });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('Enter a full address starting with http:// or https://.');
    expect(await count('bugs')).toBe(before);
  });

  it('XSS payloads in title and description come back escaped in page, fragment and list', async () => {
    const host = uniqueHost('xss');
    const title = '<script>alert("t")</script><img src=x onerror=alert(1)>';
    const description = '"><svg onload=alert(2)></svg><a href="javascript:alert(3)">x</a>';
    const res = await call('/api/bugs', { form: { url: `https://${host}/"><script>`, title, description } });
    expect(res.status).toBe(303);
    const pages = [
      await (await call(res.headers.get('Location')!)).text(),
      await (await call(`/api/bugs?domain=${host}`, { hx: true })).text(),
      await (await call(`/domains/${host}`)).text(),
    ];
    for (const html of pages) {
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('<svg onload');
      expect(html).toContain('&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;');
    }
    expect(pages[0]).toContain('&lt;svg onload=alert(2)&gt;');
    expect(pages[0]).not.toContain('href="javascript:');
  });

  it('errors never leak internals: a 404 says only that', async () => {
    const res = await call('/bugs/1e3');
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(text).not.toMatch(/at .*\.ts:\d+|Error:|SQLITE/);
  });

  it('a route that really fails answers 500 with the request id and no stack, SQL or table names', async () => {
    // Break the database under the route for this test only: /stats reads bug_totals.
    await env.DB.prepare('ALTER TABLE bug_totals RENAME TO bug_totals_away').run();
    try {
      for (const r of [{}, { hx: true }, { json: true }]) {
        // Past the page cache: this request must reach D1.
        const res = await withVars({ PAGE_CACHE: 'off' }, () => call('/stats', r));
        expect(res.status).toBe(500);
        const id = res.headers.get('X-Request-Id');
        expect(id).toMatch(/^[0-9a-f-]{36}$/);
        const text = await res.text();
        expect(text).toContain(id!);
        expect(text).toMatch(r.json ? /"code":"internal_error"/ : /Something went wrong/);
        expect(text).not.toMatch(
          /bug_totals|bug_counts|no such table|SQLITE|D1_ERROR|SELECT|Error:|\.ts:\d+|at [\w.]+ \(/i,
        );
      }
    } finally {
      await env.DB.prepare('ALTER TABLE bug_totals_away RENAME TO bug_totals').run();
    }
    expect((await call('/stats')).status).toBe(200);
  });
});
