// Shared helpers for the node scripts: run wrangler offline against the local D1.
import { spawn, spawnSync } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const wranglerBin = join(root, 'node_modules', '.bin', 'wrangler');

/** Offline-friendly environment for every wrangler call (see DEVELOPERS.md). */
export const wranglerEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  NO_COLOR: '1',
};

/** Runs wrangler to completion; throws with its output when it fails. */
export function wrangler(args, { quiet = false } = {}) {
  const r = spawnSync(wranglerBin, args, {
    cwd: root,
    env: wranglerEnv,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) {
    throw new Error(`wrangler ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  if (!quiet && r.stdout.trim()) process.stdout.write(r.stdout);
  return r.stdout;
}

/** Runs one SQL statement on a local D1 and returns its rows. */
export function d1Query(sql, persistTo) {
  const args = ['d1', 'execute', 'DB', '--local', '--json', '--command', sql];
  if (persistTo) args.push('--persist-to', persistTo);
  const out = wrangler(args, { quiet: true });
  const parsed = JSON.parse(out.slice(out.indexOf('[')));
  return parsed[0]?.results ?? [];
}

/** Same format as worker/lib/password.ts, so seeded users can log in. */
export function hashPassword(password, iterations = 100_000) {
  const salt = randomBytes(16);
  const hash = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  return `pbkdf2-sha256$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function sqlString(s) {
  return `'${String(s).replaceAll("'", "''")}'`;
}

export { spawn };
