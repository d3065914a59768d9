/**
 * The newest migration this code needs. /api/health/deep answers 503 until the database has it,
 * so a rollout never sends traffic to code whose schema is missing. tests/migrations.test.ts
 * fails when a new file in migrations/ is not named here.
 */
export const LATEST_MIGRATION = '0013_pages.sql';
