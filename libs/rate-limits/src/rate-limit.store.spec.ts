import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InProcessRateLimitStore } from './in-process.rate-limit.store.js';
import type { RateLimitStore } from './rate-limit.store.js';
import { RedisRateLimitStore } from './redis.rate-limit.store.js';

const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const opened: RateLimitStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

/** Each Redis store of a test gets a key prefix of its own, so parallel runs never share counters. */
async function redisStore(prefix = `latchkey-test:${randomUUID()}:`): Promise<RedisRateLimitStore> {
  const store = new RedisRateLimitStore(REDIS_URL, { keyPrefix: prefix });
  await store.start();
  opened.push(store);
  return store;
}

function inProcessStore(options?: { maxKeys?: number }): InProcessRateLimitStore {
  const store = new InProcessRateLimitStore(options);
  opened.push(store);
  return store;
}

/** The same contract, for both stores. */
describe.each([
  ['in-process', async () => inProcessStore()],
  ['redis', async () => redisStore()],
] as const)('%s RateLimitStore', (_name, open) => {
  it('counts hits per key within the window and says when the window ends', async () => {
    const store = await open();
    expect(await store.hit(['a', 'b'], 60_000)).toEqual([
      { hits: 1, resetInMs: expect.any(Number) },
      { hits: 1, resetInMs: expect.any(Number) },
    ]);
    const [a, b] = await store.hit(['a', 'a', 'b'], 60_000).then((c) => [c[1]!, c[2]!]);
    expect(a.hits).toBe(3);
    expect(b.hits).toBe(2);
    expect(a.resetInMs).toBeGreaterThan(59_000);
    expect(a.resetInMs).toBeLessThanOrEqual(60_000);
  });

  it('peeks without counting; an unknown key has no hits and no window', async () => {
    const store = await open();
    await store.hit(['seen'], 60_000);
    expect(await store.peek(['seen', 'never'])).toEqual([
      { hits: 1, resetInMs: expect.any(Number) },
      { hits: 0, resetInMs: 0 },
    ]);
    expect((await store.peek(['seen']))[0]!.hits).toBe(1);
    expect(await store.hit([], 60_000)).toEqual([]);
    expect(await store.peek([])).toEqual([]);
  });

  it('opens a new window once the old one has ended (a fixed window, not extended by hits)', async () => {
    const store = await open();
    await store.hit(['k'], 300);
    await sleep(150);
    const [during] = await store.hit(['k'], 300);
    expect(during).toMatchObject({ hits: 2 });
    expect(during!.resetInMs).toBeLessThanOrEqual(160);
    await sleep(200);
    expect(await store.peek(['k'])).toEqual([{ hits: 0, resetInMs: 0 }]);
    expect((await store.hit(['k'], 300))[0]!.hits).toBe(1);
  });

  it('loses no hit under concurrency: 100 parallel hits answer 1..100', async () => {
    const store = await open();
    const counts = await Promise.all(Array.from({ length: 100 }, () => store.hit(['busy'], 60_000)));
    expect(counts.map(([c]) => c!.hits).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('is a @nestjs/throttler ThrottlerStorage: blocked past the limit until the window ends', async () => {
    const store = await open();
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await store.increment('tracker', 60_000, 2, 60_000, 'default'));
    expect(results.map((r) => r.isBlocked)).toEqual([false, false, true]);
    expect(results[2]).toMatchObject({ totalHits: 3, isBlocked: true });
    expect(results[2]!.timeToBlockExpire).toBeGreaterThanOrEqual(59);
    expect(results[2]!.timeToBlockExpire).toBeLessThanOrEqual(60);
    expect(results[0]!.timeToBlockExpire).toBe(0);
    // Another throttler name is another counter.
    expect((await store.increment('tracker', 60_000, 2, 60_000, 'other')).totalHits).toBe(1);
  });
});

describe('InProcessRateLimitStore', () => {
  it('keeps at most maxKeys live windows, dropping the oldest, and still counts the newest', async () => {
    const store = inProcessStore({ maxKeys: 10 });
    for (let i = 0; i < 25; i++) await store.hit([`client-${i}`], 60_000);
    expect(store.size).toBeLessThanOrEqual(10);
    expect((await store.hit(['client-24'], 60_000))[0]!.hits).toBe(2);
    expect(await store.peek(['client-0'])).toEqual([{ hits: 0, resetInMs: 0 }]);
  });
});

describe('RedisRateLimitStore', () => {
  const raw = new Redis(REDIS_URL, { lazyConnect: true });
  afterAll(async () => {
    await raw.quit().catch(() => raw.disconnect());
  });

  it('shares counters between replicas (two connections, one prefix) and sets an expiry on every key', async () => {
    const prefix = `latchkey-test:${randomUUID()}:`;
    const [one, two] = [await redisStore(prefix), await redisStore(prefix)];
    await one.hit(['shared'], 60_000);
    await two.hit(['shared'], 60_000);
    expect((await one.hit(['shared'], 60_000))[0]!.hits).toBe(3);
    expect((await two.peek(['shared']))[0]!.hits).toBe(3);
    await raw.connect();
    expect(await raw.get(`${prefix}shared`)).toBe('3');
    const ttl = await raw.pttl(`${prefix}shared`);
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    // A key that lost its expiry (anything but this script wrote it) gets one at its next hit.
    await raw.set(`${prefix}stuck`, '7');
    expect((await one.hit(['stuck'], 60_000))[0]!.hits).toBe(8);
    expect(await raw.pttl(`${prefix}stuck`)).toBeGreaterThan(0);
    await raw.del(`${prefix}shared`, `${prefix}stuck`);
  });

  it('fails start-up with one clear line when Redis cannot be reached', async () => {
    const store = new RedisRateLimitStore('redis://127.0.0.1:1');
    await expect(store.start()).rejects.toThrow(/^rate limits: cannot reach Redis at REDIS_URL: /);
    await store.close();
  });

  it('fails a command at once, instead of queueing it, when the connection is gone', async () => {
    const store = await redisStore();
    await store.close();
    const started = Date.now();
    await expect(store.hit(['x'], 60_000)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
