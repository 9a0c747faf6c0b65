import { CacheInvalidation } from './cache-invalidation.js';

/** One process only (the embedded database): publish runs this process's handlers, nothing more. */
export class InProcessCacheInvalidation extends CacheInvalidation {
  readonly backend = 'in-process' as const;

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  protected async send(): Promise<void> {}
}
