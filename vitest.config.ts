import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

/** Tests run inside workerd with the real Worker and a real local D1 (migrated in setup). */
export default defineConfig(async () => ({
  plugins: [
    cloudflareTest({
      main: './worker/index.ts',
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations('./migrations'),
          JWT_SECRET: 'test-secret-that-is-at-least-32-bytes-long-0123456789',
          // Every test request comes from one client IP, so the per-IP write limits are lifted;
          // tests of the limits set their own small numbers (tests/writes.security.test.ts).
          RATE_REPORTS_PER_IP: '100000',
          RATE_COMMENTS_PER_IP: '100000',
          RATE_UPVOTES_PER_IP: '100000',
          RATE_SIGNUPS_PER_IP: '100000',
          RATE_FLAGS_PER_IP: '100000',
        },
      },
    }),
  ],
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    exclude: ['tests/browser/**'],
    setupFiles: ['./tests/setup.ts'],
  },
}));
