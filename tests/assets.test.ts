import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import aboutHtml from '../public/about.html?raw';
import indexHtml from '../public/index.html?raw';
import aboutBody from '../public-src/about.body.html?raw';
import indexBody from '../public-src/index.body.html?raw';
import { ASSET_VERSIONS } from '../views/asset-versions';
import { renderStaticPage, STATIC_PAGES } from '../views/static-pages';
import { call } from './helpers';

async function hash10(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return [...digest]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .slice(0, 10);
}

describe('assets: year-long caching needs versioned URLs', () => {
  /** The file as the static-assets binding serves it (Vite turns CSS imports into nothing). */
  const asset = async (path: string) => {
    const res = await env.ASSETS!.fetch(`http://example.com${path}`);
    expect(res.status, path).toBe(200);
    return res.text();
  };

  it('the versions match the files (run `npm run assets` after changing CSS or htmx)', async () => {
    const appCss = await asset('/assets/app.css');
    const embedCss = await asset('/assets/embed.css');
    expect(appCss).toContain('--accent');
    expect(ASSET_VERSIONS.css).toBe(await hash10(appCss));
    expect(ASSET_VERSIONS.embedCss).toBe(await hash10(embedCss));
  });

  it('the static shell and Worker pages load the same versioned files', async () => {
    for (const html of [indexHtml, aboutHtml, await (await call('/bugs')).text()]) {
      expect(html).toContain(`/assets/app.css?v=${ASSET_VERSIONS.css}"`);
      expect(html).toContain(`/assets/htmx.min.js?v=${ASSET_VERSIONS.htmx}"`);
    }
    expect(await (await call('/embed/leaderboard')).text()).toContain(
      `/assets/embed.css?v=${ASSET_VERSIONS.embedCss}"`,
    );
  });
});

describe("assets: the static shell is written from the Worker pages' components", () => {
  /** Each committed page and the hand-written body `npm run assets` wraps in the chrome. */
  const committed: Record<string, { html: string; body: string }> = {
    'index.html': { html: indexHtml, body: indexBody },
    'about.html': { html: aboutHtml, body: aboutBody },
  };

  it('public/*.html are what `npm run assets` writes now (run it after changing the chrome or a body)', async () => {
    expect(STATIC_PAGES.map((p) => p.file).sort()).toEqual(Object.keys(committed).sort());
    for (const page of STATIC_PAGES) {
      const file = committed[page.file]!;
      expect(file.html, `public/${page.file} is stale: run npm run assets`).toBe(
        await renderStaticPage(page, file.body),
      );
    }
  });

  it('the shell has the Worker header, with the neutral account link htmx replaces', async () => {
    const bugs = await (await call('/bugs')).text();
    const nav = (html: string) => html.match(/<nav aria-label="Main">.*?<\/nav>/s)?.[0];
    const footer = (html: string) => html.match(/<footer class="site-footer">.*?<\/footer>/s)?.[0];
    expect(nav(indexHtml)).toBe(nav(bugs));
    expect(footer(indexHtml)).toBe(footer(bugs));
    expect(footer(aboutHtml)).toBe(footer(bugs));
    expect(aboutHtml).toContain('<a href="/about" aria-current="page">About</a>');
    for (const html of [indexHtml, aboutHtml]) {
      expect(html).toContain(
        '<div class="user-slot" id="user-slot" data-hx-get="/api/auth/me" data-hx-trigger="load" data-hx-swap="outerHTML"><a href="/account">Account</a></div>',
      );
    }
  });
});
