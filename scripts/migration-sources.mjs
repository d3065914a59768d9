// migrations/*.sql as written, comments included, for tests/migrations.test.ts (through
// vitest.config.ts): a `-- contract:` line marks a contract step, and readD1Migrations drops comments.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** File name → text of every .sql file in `dir`. */
export function migrationSources(dir) {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
}
