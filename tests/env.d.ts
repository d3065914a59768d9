import type { D1Migration } from 'cloudflare:test';
import type { Env as WorkerEnv } from '../worker/types';

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import('../worker/index');
    }
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
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
