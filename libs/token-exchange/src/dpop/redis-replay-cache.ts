import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { InMemoryReplayCache, ReplayCache } from './replay-cache.js';

const PREFIX = 'latchkey:dpop:';

/**
 * DPoP proof ids in Redis (REDIS_URL), so a proof used at one replica is refused at every
 * other: one `SET key 1 PX ttl NX` per proof. While Redis cannot be reached the proofs are
 * remembered in this process only (a replay at another replica could then pass), rather
 * than refusing every DPoP request.
 */
export class RedisReplayCache extends ReplayCache implements OnApplicationShutdown {
  private readonly logger = new Logger('DpopReplayCache');
  private readonly redis: Redis;
  private readonly fallback = new InMemoryReplayCache();
  private warned = false;

  constructor(url: string) {
    super();
    this.redis = new Redis(url, {
      lazyConnect: true,
      connectionName: 'latchkey-dpop-replay',
      enableOfflineQueue: false,
      commandTimeout: 500,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 3_000),
    });
    this.redis.on('error', () => undefined); // reported once per outage below
  }

  /** Connects; start-up fails when Redis cannot be reached at all. */
  async start(): Promise<this> {
    await this.redis.connect();
    return this;
  }

  async firstUse(key: string, ttlSeconds: number): Promise<boolean> {
    try {
      const set = await this.redis.set(`${PREFIX}${key}`, '1', 'PX', ttlSeconds * 1000, 'NX');
      this.warned = false;
      // Keep the local copy too, so an outage does not forget recent proofs.
      await this.fallback.firstUse(key, ttlSeconds);
      return set === 'OK';
    } catch (error) {
      if (!this.warned) {
        this.logger.warn(`Redis unreachable, DPoP replay checks are per process until it returns: ${String(error)}`);
        this.warned = true;
      }
      return this.fallback.firstUse(key, ttlSeconds);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}
