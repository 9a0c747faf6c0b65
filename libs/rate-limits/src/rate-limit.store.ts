import type { ThrottlerStorage } from '@nestjs/throttler';

/** @nestjs/throttler's record (its index does not export the type). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** One counter: the hits in its current window and the milliseconds until that window ends (0: none open). */
export interface WindowCount {
  hits: number;
  resetInMs: number;
}

export type RateLimitBackend = 'in-process' | 'redis';

/**
 * Fixed-window counters for the rate limits (DESIGN.md §4: RATE_LIMIT_PER_MINUTE,
 * AUTH_FAILURE_LIMIT_PER_MINUTE). A key's window opens at its first hit and lasts
 * `windowMs`; the first hit after it has ended opens a new one. `hit` and `peek` take
 * several keys and cost one Map lookup per key in process, one round trip to Redis for
 * all of them.
 *
 * It is also a @nestjs/throttler `ThrottlerStorage` over the same counters, so a
 * `ThrottlerModule.forRoot({ storage })` guard elsewhere can share it. There a block lasts
 * until the window ends (blockDuration is not extended beyond it).
 */
export abstract class RateLimitStore implements ThrottlerStorage {
  abstract readonly backend: RateLimitBackend;

  /** Adds one hit to each key and answers each key's count, in order. */
  abstract hit(keys: readonly string[], windowMs: number): Promise<WindowCount[]>;

  /** Each key's count, without adding a hit. */
  abstract peek(keys: readonly string[]): Promise<WindowCount[]>;

  abstract close(): Promise<void>;

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const [count] = await this.hit([`throttler:${throttlerName}:${key}`], ttl);
    const timeToExpire = Math.ceil(count!.resetInMs / 1000);
    const isBlocked = count!.hits > limit;
    return { totalHits: count!.hits, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToExpire : 0 };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
