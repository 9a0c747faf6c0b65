import { Logger, Module } from '@nestjs/common';
import { LatchkeyEnvironment } from '@latchkey/config';
import { InProcessRateLimitStore } from './in-process.rate-limit.store.js';
import { RateLimitStore } from './rate-limit.store.js';
import { RedisRateLimitStore } from './redis.rate-limit.store.js';
import { RateLimitSettings, TokenRateLimits } from './token-rate-limits.service.js';

/** Every limit counts per minute (the variables say PER_MINUTE). */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/** Redis when REDIS_URL is set (shared by every replica), else this process's memory. */
export async function createRateLimitStore(env: LatchkeyEnvironment): Promise<RateLimitStore> {
  if (!env.REDIS_URL) return new InProcessRateLimitStore();
  const store = new RedisRateLimitStore(env.REDIS_URL);
  await store.start();
  return store;
}

export function rateLimitSettings(env: LatchkeyEnvironment): RateLimitSettings {
  return {
    requestsPerWindow: env.RATE_LIMIT_PER_MINUTE,
    authFailuresPerWindow: env.AUTH_FAILURE_LIMIT_PER_MINUTE,
    windowMs: RATE_LIMIT_WINDOW_MS,
  };
}

/** TokenRateLimits over the store the environment asks for; the store is closed at shutdown. */
@Module({
  providers: [
    {
      provide: RateLimitStore,
      inject: [LatchkeyEnvironment],
      useFactory: async (env: LatchkeyEnvironment) => {
        const store = await createRateLimitStore(env);
        const { requestsPerWindow, authFailuresPerWindow } = rateLimitSettings(env);
        new Logger('RateLimits').log(
          `rate limits (${store.backend}): ${requestsPerWindow || 'no limit of'} token requests per IP and per client, ` +
            `${authFailuresPerWindow || 'no limit of'} failed client authentications per client id and per IP, per minute`,
        );
        return store;
      },
    },
    { provide: RateLimitSettings, inject: [LatchkeyEnvironment], useFactory: rateLimitSettings },
    TokenRateLimits,
  ],
  exports: [TokenRateLimits, RateLimitStore],
})
export class RateLimitsModule {}
