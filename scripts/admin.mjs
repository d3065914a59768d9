// Grants the admin role on the LOCAL database: npm run admin -- <username>
// The address counts as confirmed too (a local account need not open its confirmation mail).
// Production: see README ("Admins") for the same statement with --remote.
import { d1Query } from './lib.mjs';

const username = process.argv[2];
if (!username || !/^[A-Za-z0-9_-]{3,30}$/.test(username)) {
  console.error('usage: npm run admin -- <username>   (3–30 letters, digits, _ or -)');
  process.exit(2);
}
// The username is checked against the same pattern the schema enforces, so it is safe in SQL.
const rows = d1Query(
  `UPDATE users SET role = 'admin', email_verified_at = coalesce(email_verified_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) WHERE deleted_at IS NULL AND username = '${username}' RETURNING id, username, role`,
  process.env.BLT_PERSIST_TO,
);
if (rows.length === 0) {
  console.error(`admin: no user named ${username} in the local database (sign up first)`);
  process.exit(1);
}
console.log(`admin: ${rows[0].username} (id ${rows[0].id}) is now an admin`);
