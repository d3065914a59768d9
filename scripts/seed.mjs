// Loads a small, clearly fictional demo data set into the local D1 when it has no bugs.
// Usage: node scripts/seed.mjs [--force] [--persist-to DIR]
// Demo accounts (local only): demo_alice / demo_bob, password "demo-password-123".
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { d1Query, hashPassword, root, sqlString, wrangler } from './lib.mjs';

/** users.username_skeleton of a username, in SQL (the same expression as migration 0002). */
function skeletonSql(username) {
  return `replace(replace(replace(replace(replace(replace(lower(${username}), '0', 'o'), '1', 'l'), 'i', 'l'), 'm', 'rn'), 'w', 'vv'), '-', '_')`;
}

/** Loads the demo set unless the database already has bugs (or `force`). */
export function seed({ force = false, persistTo } = {}) {
  const [{ n }] = d1Query('SELECT count(*) AS n FROM bugs', persistTo);
  if (n > 0 && !force) {
    console.log(
      `seed: the local database already has ${n} bugs; leaving it alone (use --force to add the demo set anyway)`,
    );
    return;
  }

  const password = hashPassword('demo-password-123');
  const users = ['demo_alice', 'demo_bob', 'demo_carol'];
  const bugs = [
    [
      'shop.example',
      'https://shop.example/cart',
      'Cart total ignores the discount code',
      'number_error',
      'medium',
      'demo_alice',
    ],
    [
      'shop.example',
      'https://shop.example/checkout',
      'Checkout button does nothing on mobile',
      'functional',
      'high',
      'demo_bob',
    ],
    [
      'news.example',
      'https://news.example/world',
      'Headline says "Wrold" instead of "World"',
      'typo',
      'low',
      'demo_alice',
    ],
    ['news.example', 'https://news.example/', 'Front page takes 12 seconds to load', 'performance', 'medium', null],
    [
      'bank.example',
      'https://bank.example/login',
      'Login form posts the password over plain HTTP',
      'security',
      'critical',
      'demo_carol',
    ],
    [
      'bank.example',
      'https://bank.example/help',
      'Help page overlaps the footer on narrow screens',
      'design',
      'low',
      'demo_bob',
    ],
    [
      'status.example',
      'https://status.example/',
      'Status page itself returns 502',
      'server_down',
      'high',
      'demo_alice',
    ],
    [
      'sh0p.example',
      'https://sh0p.example/',
      'Look-alike domain imitating shop.example',
      'trademark_squatting',
      'medium',
      'demo_carol',
    ],
    [
      'news.example',
      'https://news.example/sport',
      "Score table shows yesterday's results",
      'general',
      'none',
      'demo_bob',
    ],
    [
      'shop.example',
      'https://shop.example/search?q=shoes',
      'Search results repeat the same item',
      'functional',
      'low',
      null,
    ],
  ];

  const sql = [];
  for (const u of users) {
    // session_key and username_skeleton as the Worker sets them (migration 0002 computes the
    // skeleton with the same SQL; worker/lib/credentials.ts is the definition).
    sql.push(
      `INSERT OR IGNORE INTO users (username, email, password_hash, session_key, username_skeleton, email_verified_at) VALUES (${sqlString(u)}, ${sqlString(`${u}@example.test`)}, ${sqlString(password)}, lower(hex(randomblob(16))), ${skeletonSql(sqlString(u))}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));`,
    );
  }
  const now = Date.now();
  bugs.forEach(([host, url, title, label, severity, user], i) => {
    const at = new Date(now - (bugs.length - i) * 3_600_000 * 7).toISOString();
    const userId = user ? `(SELECT id FROM users WHERE username = ${sqlString(user)})` : 'NULL';
    sql.push(`INSERT OR IGNORE INTO domains (hostname, created_at) VALUES (${sqlString(host)}, ${sqlString(at)});`);
    sql.push(
      `INSERT INTO bugs (user_id, domain_id, url, title, description, label, severity, status, state, created_at, updated_at) VALUES (${userId}, (SELECT id FROM domains WHERE hostname = ${sqlString(host)}), ${sqlString(url)}, ${sqlString(title)}, ${sqlString(`Demo report: ${title}. Steps: open ${url} and look.`)}, ${sqlString(label)}, ${sqlString(severity)}, ${i === 5 ? "'closed', 'closed'" : "'open', 'new'"}, ${sqlString(at)}, ${sqlString(at)});`,
    );
    if (user) {
      // Same rules as worker/db/bugs.ts insertBug: +3 per report, +1 for a domain's first public
      // bug (every demo bug is public); points.period is filled from created_at by a trigger.
      sql.push(
        `INSERT INTO points (user_id, bug_id, domain_id, score, reason, created_at, award) SELECT user_id, id, domain_id, 3, 'Bug reported', created_at, 'reported' FROM bugs WHERE id = (SELECT max(id) FROM bugs);`,
        `INSERT INTO points (user_id, bug_id, domain_id, score, reason, created_at, award) SELECT b.user_id, b.id, b.domain_id, 1, 'Domain added', b.created_at, 'domain' FROM bugs b WHERE b.id = (SELECT max(id) FROM bugs) AND NOT EXISTS (SELECT 1 FROM bugs o WHERE o.domain_id = b.domain_id AND o.id < b.id);`,
      );
    }
  });
  // The demo rows were inserted directly, so rebuild the scores and public counters from them.
  sql.push(readFileSync(join(root, 'scripts', 'sql', 'rebuild-scores.sql'), 'utf8'));
  sql.push(readFileSync(join(root, 'scripts', 'sql', 'rebuild-counters.sql'), 'utf8'));
  sql.push(readFileSync(join(root, 'scripts', 'sql', 'rebuild-scorecards.sql'), 'utf8'));

  const dir = mkdtempSync(join(tmpdir(), 'blt-seed-'));
  const file = join(dir, 'seed.sql');
  writeFileSync(file, sql.join('\n'));
  try {
    const cmd = ['d1', 'execute', 'DB', '--local', '--file', file];
    if (persistTo) cmd.push('--persist-to', persistTo);
    wrangler(cmd, { quiet: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `seed: loaded ${users.length} demo users and ${bugs.length} demo bugs (log in as demo_alice / demo-password-123)`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const persistIdx = args.indexOf('--persist-to');
  seed({
    force: args.includes('--force'),
    persistTo: persistIdx >= 0 ? args[persistIdx + 1] : process.env.BLT_PERSIST_TO,
  });
}
