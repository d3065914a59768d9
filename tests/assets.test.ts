import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import aboutHtml from '../public/about.html?raw';
import indexHtml from '../public/index.html?raw';
import { ASSET_VERSIONS } from '../views/asset-versions';
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
