// Copies the pinned htmx from node_modules into public/assets so it is served same-origin.
// Run after changing the htmx.org version in package.json; the copy is committed.
import { copyFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = dirname(require.resolve('htmx.org/package.json'));
const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
copyFileSync(join(pkgDir, 'dist', 'htmx.min.js'), join(root, 'public', 'assets', 'htmx.min.js'));
console.log(`vendored htmx ${version} into public/assets/htmx.min.js`);
