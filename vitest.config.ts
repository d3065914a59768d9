import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { migrationSources } from './scripts/migration-sources.mjs';

/** Tests run inside workerd with the real Worker and a real local D1 (migrated in setup). */
export default defineConfig(async () => ({
  plugins: [
    cloudflareTest({
      main: './worker/index.ts',
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        // A scratch database for tests/migrations.test.ts, which drops and rebuilds its schema.
        d1Databases: { MIGRATION_DB: 'migration-check' },
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations('./migrations'),
          // The files as written, comments included: a `-- contract:` line marks a contract step.
          TEST_MIGRATION_SOURCES: migrationSources('./migrations'),
          JWT_SECRET: 'test-secret-that-is-at-least-32-bytes-long-0123456789',
          // Every test request comes from one client IP, so the per-IP write limits are lifted;
          // tests of the limits set their own small numbers (tests/writes.security.test.ts).
          RATE_REPORTS_PER_IP: '100000',
          RATE_COMMENTS_PER_IP: '100000',
          RATE_UPVOTES_PER_IP: '100000',
          RATE_SIGNUPS_PER_IP: '100000',
          RATE_FLAGS_PER_IP: '100000',
          RATE_CLAIM_CHECKS_PER_IP: '100000',
          RATE_RESET_MAILS_PER_IP: '100000',
          // The dev outbox (/dev/outbox) exists only with this var; links point at the test origin.
          ENVIRONMENT: 'development',
          // Filing a report queues no security.txt look-up (worker/contact.ts), so no test reaches
          // the internet; tests/contact.test.ts turns it on with the remote site intercepted.
          CONTACT_LOOKUP: 'off',
          PUBLIC_ORIGIN: 'http://example.com',
          MAIL_FROM: 'no-reply@example.com',
        },
        // The local Email Sending binding, refusing any sender but MAIL_FROM: a test that runs the
        // consumer with another From sees real send failures (tests/mail.test.ts).
        email: { send_email: [{ name: 'EMAIL', allowed_sender_addresses: ['no-reply@example.com'] }] },
      },
    }),
  ],
  test: {
    // Some tests make dozens of requests (50 reports at once, account deletion): on a loaded 2-core
    // runner they pass the 5 s default without being wrong. Speed is measured by npm run bench.
    testTimeout: 20_000,
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    exclude: ['tests/browser/**'],
    setupFiles: ['./tests/setup.ts'],
    // The Worker's per-request log lines (worker/lib/log.ts) would bury test output; tests that
    // check them spy on console (tests/observability.test.ts). Errors and other lines still show.
    onConsoleLog: (log: string) => !log.startsWith('{"level":"info","type":"request"'),
    // Real images with real EXIF/XMP/IPTC, made with sharp in Node and provided to the tests.
    globalSetup: ['./tests/fixtures/images.mjs'],
  },
}));
