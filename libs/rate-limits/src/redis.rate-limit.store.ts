import { Logger } from '@nestjs/common';
import { Redis, type ChainableCommander } from 'ioredis';
import { RateLimitStore, type WindowCount } from './rate-limit.store.js';

export const REDIS_RATE_LIMIT_PREFIX = 'latchkey:rate:';
const START_TIMEOUT_MS = 5_000;
/** A command that takes longer fails (and the limiter lets the request through). */
const COMMAND_TIMEOUT_MS = 500;

/** INCR, and PEXPIRE when the key has just been created (or somehow lacks an expiry): atomic per key. */
const HIT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}`;

const PEEK_SCRIPT = `
local hits = redis.call('GET', KEYS[1])
if not hits then return {0, 0} end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = 0 end
return {tonumber(hits), ttl}`;

/** The two scripts, as ioredis defines them (EVALSHA, falling back to EVAL once per connection). */
interface RateCommands {
  latchkeyRateHit(key: string, windowMs: number): ChainableCommander;
  latchkeyRatePeek(key: string): ChainableCommander;
}

/**
 * Counters in Redis (REDIS_URL), shared by every replica: each key is one Redis string
 * with an expiry, changed by a Lua script so that INCR and PEXPIRE are atomic. All the
 * keys of one `hit` or `peek` go in one pipeline: one round trip. One script per key (not
 * one multi-key script) keeps it valid on a Redis Cluster.
 *
 * Commands are not queued while Redis is unreachable: they fail at once (or after
 * 500 ms), and the caller decides what to do (TokenRateLimits lets the request through).
 */
export class RedisRateLimitStore extends RateLimitStore {
  readonly backend = 'redis' as const;
  private readonly logger = new Logger('RateLimits');
  private readonly redis: Redis;
  private readonly prefix: string;
  private connectedOnce = false;

  constructor(url: string, options: { keyPrefix?: string } = {}) {
    super();
    this.prefix = options.keyPrefix ?? REDIS_RATE_LIMIT_PREFIX;
    this.redis = new Redis(url, {
      lazyConnect: true,
      connectionName: 'latchkey-rate-limits',
      enableOfflineQueue: false,
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 3_000),
    });
    this.redis.defineCommand('latchkeyRateHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.redis.defineCommand('latchkeyRatePeek', { numberOfKeys: 1, lua: PEEK_SCRIPT });
    this.redis.on('error', (error: Error) => {
      if (this.connectedOnce) this.logger.warn(`rate limits: Redis connection: ${error.message}; reconnecting`);
    });
  }

  /** Connects, or fails start-up with one clear line. */
  async start(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.redis.connect(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
        }),
      ]);
      this.connectedOnce = true;
    } catch (error) {
      this.redis.disconnect();
      throw new Error(`rate limits: cannot reach Redis at REDIS_URL: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async hit(keys: readonly string[], windowMs: number): Promise<WindowCount[]> {
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of keys) (pipeline as unknown as RateCommands).latchkeyRateHit(this.prefix + key, windowMs);
    return counts(await pipeline.exec());
  }

  async peek(keys: readonly string[]): Promise<WindowCount[]> {
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of keys) (pipeline as unknown as RateCommands).latchkeyRatePeek(this.prefix + key);
    return counts(await pipeline.exec());
  }

  async close(): Promise<void> {
    if (this.redis.status === 'ready') {
      try {
        await this.redis.quit();
        return;
      } catch {
        // fall through
      }
    }
    this.redis.disconnect();
  }
}

function counts(results: [Error | null, unknown][] | null): WindowCount[] {
  if (!results) throw new Error('rate limits: the Redis pipeline was discarded');
  return results.map(([error, value]) => {
    if (error) throw error;
    const [hits, resetInMs] = value as [number, number];
    return { hits: Number(hits), resetInMs: Number(resetInMs) };
  });
}
