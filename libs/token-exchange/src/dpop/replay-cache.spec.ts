import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisReplayCache } from './redis-replay-cache.js';
import { InMemoryReplayCache } from './replay-cache.js';

describe('DPoP replay caches', () => {
  it('in process: first use only, until the entry expires', async () => {
    const cache = new InMemoryReplayCache();
    expect(await cache.firstUse('a', 1)).toBe(true);
    expect(await cache.firstUse('a', 1)).toBe(false);
    expect(await cache.firstUse('b', 1)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(await cache.firstUse('a', 1)).toBe(false); // still within its second
    // Expiry is kept in whole seconds, rounded up: gone within 2 s.
    await new Promise((r) => setTimeout(r, 1600));
    expect(await cache.firstUse('a', 1)).toBe(true);
    expect(await cache.firstUse('a', 1)).toBe(false);
  });

  describe('Redis', () => {
    const one = new RedisReplayCache('redis://127.0.0.1:6379');
    const two = new RedisReplayCache('redis://127.0.0.1:6379');
    beforeAll(async () => {
      await one.start();
      await two.start();
    });
    afterAll(async () => {
      await one.onApplicationShutdown();
      await two.onApplicationShutdown();
    });

    it('refuses at one replica a proof first used at another', async () => {
      const key = `test:${randomUUID()}`;
      expect(await one.firstUse(key, 5)).toBe(true);
      expect(await two.firstUse(key, 5)).toBe(false);
      expect(await one.firstUse(key, 5)).toBe(false);
    });

    it('refuses to start without Redis, and falls back to this process when Redis goes away', async () => {
      await expect(new RedisReplayCache('redis://127.0.0.1:1').start()).rejects.toThrow();
      const down = new RedisReplayCache('redis://127.0.0.1:1');
      const key = `test:${randomUUID()}`;
      expect(await down.firstUse(key, 5)).toBe(true);
      expect(await down.firstUse(key, 5)).toBe(false);
      await down.onApplicationShutdown();
    });
  });
});
