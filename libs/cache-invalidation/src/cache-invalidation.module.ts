import { Global, Logger, Module } from '@nestjs/common';
import { isEmbeddedDatabase, LatchkeyEnvironment } from '@latchkey/config';
import { DataSource } from 'typeorm';
import { CacheInvalidation } from './cache-invalidation.js';
import { InProcessCacheInvalidation } from './in-process.cache-invalidation.js';
import { PostgresCacheInvalidation } from './postgres.cache-invalidation.js';
import { RedisCacheInvalidation } from './redis.cache-invalidation.js';

/** Redis pub/sub when REDIS_URL is set; else Postgres LISTEN/NOTIFY; in-process on the embedded database. */
export function createCacheInvalidation(env: LatchkeyEnvironment, dataSource: DataSource): CacheInvalidation {
  if (env.REDIS_URL) return new RedisCacheInvalidation(env.REDIS_URL);
  if (!isEmbeddedDatabase(env)) {
    return new PostgresCacheInvalidation({
      databaseUrl: env.DATABASE_URL!,
      notify: (channel, payload) => dataSource.query('SELECT pg_notify($1, $2)', [channel, payload]),
    });
  }
  return new InProcessCacheInvalidation();
}

/**
 * Provides the started CacheInvalidation (listening before the app serves; stopped at
 * shutdown). Global: it needs the global LatchkeyEnvironment and DataSource.
 */
@Global()
@Module({
  providers: [
    {
      provide: CacheInvalidation,
      inject: [LatchkeyEnvironment, DataSource],
      useFactory: async (env: LatchkeyEnvironment, dataSource: DataSource) => {
        const invalidation = createCacheInvalidation(env, dataSource);
        await invalidation.start();
        new Logger(CacheInvalidation.name).log(`cache invalidation across processes: ${invalidation.backend}`);
        return invalidation;
      },
    },
  ],
  exports: [CacheInvalidation],
})
export class CacheInvalidationModule {}
