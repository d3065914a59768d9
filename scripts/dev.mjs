// `npm start`: everything a newcomer needs, offline. Creates .dev.vars with a random
// JWT_SECRET if missing, applies local D1 migrations, loads demo data into an empty database,
// then runs `wrangler dev` on PORT (default 8787).
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, spawn, wrangler, wranglerBin, wranglerEnv } from './lib.mjs';
import { seed } from './seed.mjs';

const port = process.env.PORT ?? '8787';
const persistTo = process.env.BLT_PERSIST_TO; // tests use a throwaway database
const persistArgs = persistTo ? ['--persist-to', persistTo] : [];
// LOCAL_PROTOCOL=https serves https with wrangler's self-signed certificate (the lynx journey
// needs it: lynx never sends a Secure cookie over http).
const protocolArgs = process.env.LOCAL_PROTOCOL === 'https' ? ['--local-protocol', 'https'] : [];

const devVars = join(root, '.dev.vars');
if (!existsSync(devVars)) {
  writeFileSync(devVars, `JWT_SECRET=${randomBytes(48).toString('base64url')}\n`, { mode: 0o600 });
  console.log('start: created .dev.vars with a random JWT_SECRET');
}

wrangler(['d1', 'migrations', 'apply', 'DB', '--local', ...persistArgs], {
  quiet: true,
});
console.log('start: local D1 migrations applied');
seed({ persistTo });

const child = spawn(
  wranglerBin,
  [
    'dev',
    '--local',
    '--port',
    port,
    '--ip',
    '127.0.0.1',
    '--log-level',
    process.env.LOG_LEVEL ?? 'info',
    ...persistArgs,
    ...protocolArgs,
    // GET /__scheduled?cron=0+3+*+*+* runs the daily disclosure cron locally (README "Disclosure").
    '--test-scheduled',
    // Development only (never in wrangler.toml): /dev/outbox shows the mail, and links in mail
    // point at this server.
    '--var',
    'ENVIRONMENT:development',
    '--var',
    `PUBLIC_ORIGIN:${process.env.LOCAL_PROTOCOL === 'https' ? 'https' : 'http'}://127.0.0.1:${port}`,
    // /admin/metrics follows what you click within seconds (deployed: every 30 s per isolate).
    '--var',
    'METRICS_FLUSH_SECONDS:5',
  ],
  { cwd: root, env: wranglerEnv, stdio: 'inherit' },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
