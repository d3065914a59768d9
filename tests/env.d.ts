import type { D1Migration } from 'cloudflare:test';
import type { Env as WorkerEnv } from '../worker/types';

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import('../worker/index');
    }
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      /** Scratch D1 for tests/migrations.test.ts (vitest.config.ts). */
      MIGRATION_DB: D1Database;
      /** migrations/*.sql as written (file name → text), comments included. */
      TEST_MIGRATION_SOURCES: Record<string, string>;
    }
  }
}

declare module 'vitest' {
  /** tests/fixtures/images.mjs: images as base64, with their real size and type. */
  export interface ProvidedContext {
    images: Record<
      'jpeg' | 'progressiveJpeg' | 'png' | 'webp' | 'webpLossless' | 'gif',
      { data: string; width: number; height: number; type: string }
    >;
  }
}
