// npm run assets — copies the pinned htmx from node_modules into public/assets and stamps the
// cache-busting versions (htmx's version, app.css's content hash) into views/asset-versions.ts
// and the static shell. Every file under /assets is cached for a year, so a changed file must
// get a new URL; tests/assets.test.ts fails when this script was not run after a change.
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
for (const page of ['index.html', 'about.html']) {
  const file = join(root, 'public', page);
  const html = readFileSync(file, 'utf8')
    .replace(/\/assets\/app\.css(\?v=[\w.-]+)?"/g, `/assets/app.css?v=${versions.css}"`)
    .replace(/\/assets\/htmx\.min\.js(\?v=[\w.-]+)?"/g, `/assets/htmx.min.js?v=${versions.htmx}"`);
  writeFileSync(file, html);
}
console.log(`assets: htmx ${versions.htmx}, app.css ${versions.css}, embed.css ${versions.embedCss}`);
