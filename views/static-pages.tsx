import { raw } from 'hono/html';
import { Document, SiteHeader } from './layout';

/**
 * The static shell (public/*.html) is served as-is, before the Worker runs, so its chrome
 * cannot be rendered per request. `npm run assets` writes each page from the Worker pages'
 * components around a hand-written `<main>` body in public-src/, and tests/assets.test.ts
 * fails when a committed page differs from what this would write.
 */
export const STATIC_PAGES = [
  {
    file: 'index.html',
    body: 'index.body.html',
    title: 'BLT-Next · Report bugs on any website',
    description:
      'BLT-Next is the OWASP Bug Logging Tool: report bugs you find on any website, see them listed per domain, and climb the leaderboard.',
    current: undefined,
  },
  {
    file: 'about.html',
    body: 'about.body.html',
    title: 'About · BLT-Next',
    description: 'What BLT-Next is, how points work, and how it is built.',
    current: '/about',
  },
] as const;

export type StaticPage = (typeof STATIC_PAGES)[number];

/** The whole file for one static page; `body` is its public-src/*.body.html (our own markup). */
export async function renderStaticPage(page: StaticPage, body: string): Promise<string> {
  const html = await (
    <Document
      title={page.title}
      description={page.description}
      header={<SiteHeader staticShell current={page.current} />}
    >
      {/* raw() on our own committed markup only, at build time (npm run assets); the Worker never
          imports this module, and no user text ever reaches it. */}
      {raw(`\n${body.trim()}\n`)}
    </Document>
  ).toString();
  return `<!DOCTYPE html>${html}\n`;
}
