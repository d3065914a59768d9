// npm run assets — copies the pinned htmx from node_modules into public/assets, stamps the
// cache-busting versions (htmx's version, app.css's content hash) into views/asset-versions.ts,
// and writes the static shell (public/index.html, about.html) from the Worker pages' own
// components (views/static-pages.tsx) around the hand-written bodies in public-src/. Every file
// under /assets is cached for a year, so a changed file must get a new URL; tests/assets.test.ts
// fails when this script was not run after a change to the CSS, htmx, the chrome or a body.
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = dirname(require.resolve('htmx.org/package.json'));
const { version: htmx } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
copyFileSync(join(pkgDir, 'dist', 'htmx.min.js'), join(root, 'public', 'assets', 'htmx.min.js'));

const cssHash = (name) =>
  createHash('sha256')
    .update(readFileSync(join(root, 'public', 'assets', name)))
    .digest('hex')
    .slice(0, 10);
const versions = { htmx, css: cssHash('app.css'), embedCss: cssHash('embed.css') };

writeFileSync(
  join(root, 'views', 'asset-versions.ts'),
  [
    '/** Written by `npm run assets`: URL versions for the year-long-cached files in public/assets. */',
    'export const ASSET_VERSIONS = {',
    ...Object.entries(versions).map(([k, v]) => `  ${k}: '${v}',`),
    '} as const;',
    '',
  ].join('\n'),
);
// The views are TSX (hono/jsx): bundle them in memory with esbuild (tsconfig's JSX settings) and
// import the result, so this stays one offline command with nothing written besides the pages.
const { outputFiles } = await build({
  entryPoints: [join(root, 'views', 'static-pages.tsx')],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  write: false,
  logLevel: 'warning',
});
const { STATIC_PAGES, renderStaticPage } = await import(
  `data:text/javascript;base64,${Buffer.from(outputFiles[0].contents).toString('base64')}`
);
for (const page of STATIC_PAGES) {
  const body = readFileSync(join(root, 'public-src', page.body), 'utf8');
  writeFileSync(join(root, 'public', page.file), await renderStaticPage(page, body));
}
console.log(`assets: htmx ${versions.htmx}, app.css ${versions.css}, embed.css ${versions.embedCss}`);
