import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

// The real migrations, applied to the test D1 the same way wrangler applies them.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
