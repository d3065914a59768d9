// Production deploys, run by .github/workflows/deploy.yml and rollback.yml (README "Deploying").
//
//   node scripts/deploy.mjs rollout  [--tag T] [--message M]   migrate, upload, split, watch, promote
//   node scripts/deploy.mjs rollback [--version ID] [--message M]
//   node scripts/deploy.mjs plan                                print what rollout would run, run nothing
//
// Needs CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID (wrangler reads them), D1_DATABASE_ID (the
// production database; wrangler.toml keeps a placeholder so no account's id is committed) and
// PUBLIC_ORIGIN (where the health check is asked). ROLLOUT_STEPS ("10,100") are the traffic
// percentages of the new version; before each step past the first, the new version must answer
// /api/health/deep with 200 for ROLLOUT_WATCH_SECONDS. A failed check puts 100% back on the
// previous version and exits 1.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const PLACEHOLDER_ID = '00000000-0000-0000-0000-000000000000';
const WORKER = 'blt-next';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { tag: { type: 'string' }, message: { type: 'string' }, version: { type: 'string' } },
});
const command = positionals[0];
const dryRun = command === 'plan';

/** The production config: wrangler.toml with the real database id, written beside it (same relative paths). */
function productionConfig() {
  const id = process.env.D1_DATABASE_ID ?? (dryRun ? PLACEHOLDER_ID : '');
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Error('D1_DATABASE_ID must be the production database id');
  const source = readFileSync(join(root, 'wrangler.toml'), 'utf8');
  if (!source.includes(PLACEHOLDER_ID)) throw new Error('wrangler.toml no longer holds the placeholder id');
  const path = join(root, '.wrangler-production.toml');
  if (!dryRun) writeFileSync(path, source.replace(PLACEHOLDER_ID, id));
  return path;
}

/** Runs wrangler (or, for `plan`, prints the command); returns its stdout. */
function wrangler(args, env = {}) {
  console.log(`$ wrangler ${args.join(' ')}`);
  if (dryRun) return '';
  return execFileSync(join(root, 'node_modules/.bin/wrangler'), args, {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** The version serving most traffic now, or null before the first deploy. */
function currentVersion(config) {
  if (dryRun) return '<current-version-id>';
  try {
    const status = JSON.parse(wrangler(['deployments', 'status', '--json', '-c', config]));
    const versions = [...(status.versions ?? [])].sort((a, b) => b.percentage - a.percentage);
    return versions[0]?.version_id ?? null;
  } catch {
    return null;
  }
}

/** Uploads the new version (not yet serving traffic) and returns its id from wrangler's output file. */
function upload(config) {
  const dir = mkdtempSync(join(tmpdir(), 'blt-deploy-'));
  const out = join(dir, 'out.ndjson');
  const tag = (values.tag ?? '').slice(0, 12);
  const args = ['versions', 'upload', '-c', config];
  if (tag) args.push('--tag', tag);
  if (values.message) args.push('--message', values.message.split('\n')[0].slice(0, 100));
  if (process.env.PUBLIC_ORIGIN) args.push('--var', `PUBLIC_ORIGIN:${process.env.PUBLIC_ORIGIN}`);
  wrangler(args, { WRANGLER_OUTPUT_FILE_PATH: out });
  if (dryRun) return '<new-version-id>';
  const entry = readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .find((e) => e.type === 'version-upload');
  rmSync(dir, { recursive: true, force: true });
  if (!entry?.version_id) throw new Error('wrangler versions upload reported no version id');
  return entry.version_id;
}

/** Asks the new version itself (version override header) whether it is healthy, for `seconds`. */
async function watch(versionId, seconds) {
  const origin = process.env.PUBLIC_ORIGIN ?? (dryRun ? 'https://<PUBLIC_ORIGIN>' : '');
  if (!origin) throw new Error('PUBLIC_ORIGIN must be set for the health check');
  console.log(`watch ${versionId} on ${origin}/api/health/deep for ${seconds}s`);
  if (dryRun) return true;
  const until = Date.now() + seconds * 1000;
  do {
    try {
      const res = await fetch(`${origin}/api/health/deep`, {
        headers: {
          accept: 'application/json',
          'Cloudflare-Workers-Version-Overrides': `${WORKER}="${versionId}"`,
        },
        signal: AbortSignal.timeout(10_000),
      });
      const body = await res.text();
      if (res.status !== 200) {
        console.error(`health: ${res.status} ${body.slice(0, 500)}`);
        return false;
      }
    } catch (err) {
      console.error(`health: ${err}`);
      return false;
    }
    await new Promise((r) => setTimeout(r, 15_000));
  } while (Date.now() < until);
  return true;
}

async function rollout() {
  const config = productionConfig();
  const steps = (process.env.ROLLOUT_STEPS ?? '10,100').split(',').map(Number);
  if (steps.at(-1) !== 100 || steps.some((s) => !(s > 0 && s <= 100))) throw new Error('ROLLOUT_STEPS must end at 100');
  const watchSeconds = Number(process.env.ROLLOUT_WATCH_SECONDS ?? 300);
  if (!process.env.PUBLIC_ORIGIN && !dryRun) throw new Error('PUBLIC_ORIGIN must be set for the health check');

  // Expand-only migrations (tests/migrations.test.ts) are safe under the version still serving.
  wrangler(['d1', 'migrations', 'apply', 'DB', '--remote', '-c', config]);
  const previous = currentVersion(config);
  const message =
    `${(values.tag ?? '').slice(0, 12)} ${(values.message ?? '').split('\n')[0]}`.trim().slice(0, 100) || 'deploy';

  if (!previous) {
    // The Worker's first version: nothing to split traffic with, so a plain deploy.
    const args = ['deploy', '-c', config, '--message', message];
    if (process.env.PUBLIC_ORIGIN) args.push('--var', `PUBLIC_ORIGIN:${process.env.PUBLIC_ORIGIN}`);
    wrangler(args);
    if (!(await watch(currentVersion(config) ?? '', 0))) process.exitCode = 1;
    return;
  }
  const next = upload(config);
  for (const [i, pct] of steps.entries()) {
    if (i > 0 && !(await watch(next, watchSeconds))) {
      wrangler(['versions', 'deploy', `${previous}@100%`, '-y', '--message', `rollback: health failed`, '-c', config]);
      process.exitCode = 1;
      return;
    }
    const split = pct === 100 ? [`${next}@100%`] : [`${next}@${pct}%`, `${previous}@${100 - pct}%`];
    wrangler(['versions', 'deploy', ...split, '-y', '--message', message, '-c', config]);
  }
}

function rollback() {
  const config = productionConfig();
  const args = ['rollback'];
  if (values.version) args.push(values.version);
  args.push('-y', '--message', (values.message ?? 'manual rollback').slice(0, 100), '-c', config);
  wrangler(args);
}

try {
  if (command === 'rollout' || command === 'plan') await rollout();
  else if (command === 'rollback') rollback();
  else {
    console.error('usage: node scripts/deploy.mjs rollout|rollback|plan [--tag T] [--message M] [--version ID]');
    process.exitCode = 2;
  }
} catch (err) {
  console.error(`deploy: ${err.message}`);
  process.exitCode = 1;
}
