import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessRateLimitStore } from './in-process.rate-limit.store.js';
import type { RateLimitStore } from './rate-limit.store.js';
import { RedisRateLimitStore } from './redis.rate-limit.store.js';
import { type RateLimitSettings, TokenRateLimits } from './token-rate-limits.service.js';

const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const opened: RateLimitStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

async function limits(backend: 'in-process' | 'redis', settings: Partial<RateLimitSettings> = {}) {
  let store: RateLimitStore;
  if (backend === 'redis') {
    const redis = new RedisRateLimitStore(REDIS_URL, { keyPrefix: `latchkey-test:${randomUUID()}:` });
    await redis.start();
    store = redis;
  } else {
    store = new InProcessRateLimitStore();
  }
  opened.push(store);
  const limiter = new TokenRateLimits(store, { requestsPerWindow: 3, authFailuresPerWindow: 2, windowMs: 60_000, ...settings });
  return { limiter, store };
}

describe.each(['in-process', 'redis'] as const)('TokenRateLimits (%s)', (backend) => {
  it('refuses the request after the limit per IP and endpoint family, with the seconds to wait', async () => {
    const { limiter } = await limits(backend);
    const from = (ip: string, endpoint = 'standard', clientId?: string) => limiter.admitRequest({ endpoint, ip, clientId });
    for (let i = 0; i < 3; i++) expect(await from('203.0.113.7')).toBeUndefined();
    const refused = await from('203.0.113.7');
    expect(refused).toEqual({ limit: 'ip', retryAfter: 60 });
    // Another endpoint family, another address: their own counters.
    expect(await from('203.0.113.7', 'midnight')).toBeUndefined();
    expect(await from('203.0.113.8')).toBeUndefined();
  });

  it('refuses a client over the limit whatever address it calls from', async () => {
    const { limiter } = await limits(backend);
    for (let i = 0; i < 3; i++) expect(await limiter.admitRequest({ endpoint: 'standard', clientId: 'web-app', ip: `198.51.100.${i}` })).toBeUndefined();
    expect(await limiter.admitRequest({ endpoint: 'standard', clientId: 'web-app', ip: '198.51.100.99' })).toEqual({ limit: 'client', retryAfter: 60 });
    expect(await limiter.admitRequest({ endpoint: 'standard', clientId: 'other-app', ip: '198.51.100.99' })).toBeUndefined();
    // Without an address (a caller that passes no context) the client is still counted.
    expect(await limiter.admitRequest({ endpoint: 'standard', clientId: 'web-app' })).toMatchObject({ limit: 'client' });
  });

  it('counts an IPv6 caller per /64 and an IPv4-mapped address as the IPv4 one', async () => {
    const { limiter } = await limits(backend);
    await limiter.admitRequest({ endpoint: 'standard', ip: '2001:db8:1:2::1' });
    await limiter.admitRequest({ endpoint: 'standard', ip: '2001:db8:1:2:ffff::9' });
    await limiter.admitRequest({ endpoint: 'standard', ip: '2001:db8:1:2:aaaa:bbbb:cccc:dddd' });
    expect(await limiter.admitRequest({ endpoint: 'standard', ip: '2001:db8:1:2::42' })).toMatchObject({ limit: 'ip' });
    expect(await limiter.admitRequest({ endpoint: 'standard', ip: '2001:db8:1:3::1' })).toBeUndefined();
    for (let i = 0; i < 3; i++) await limiter.admitRequest({ endpoint: 'standard', ip: '192.0.2.10' });
    expect(await limiter.admitRequest({ endpoint: 'standard', ip: '::ffff:192.0.2.10' })).toMatchObject({ limit: 'ip' });
  });

  it('refuses authentication once the client id or the IP has the limit of failures, before anything is checked', async () => {
    const { limiter } = await limits(backend);
    const caller = { clientId: 'web-app', ip: '203.0.113.20' };
    expect(await limiter.admitAuthentication(caller)).toBeUndefined();
    await limiter.recordAuthenticationFailure(caller);
    expect(await limiter.admitAuthentication(caller)).toBeUndefined();
    await limiter.recordAuthenticationFailure(caller);
    expect(await limiter.admitAuthentication(caller)).toEqual({ limit: 'auth-failures', retryAfter: 60 });
    // Admission only looks: asking again does not count, so it still says the same.
    expect(await limiter.admitAuthentication(caller)).toEqual({ limit: 'auth-failures', retryAfter: 60 });
    // The same client from elsewhere, and another client from the same address, are refused too.
    expect(await limiter.admitAuthentication({ clientId: 'web-app', ip: '203.0.113.21' })).toMatchObject({ limit: 'auth-failures' });
    expect(await limiter.admitAuthentication({ clientId: 'another-app', ip: '203.0.113.20' })).toMatchObject({ limit: 'auth-failures' });
    expect(await limiter.admitAuthentication({ clientId: 'another-app', ip: '203.0.113.21' })).toBeUndefined();
  });

  it('admits again once the window has ended', async () => {
    const { limiter } = await limits(backend, { windowMs: 300 });
    const caller = { clientId: 'web-app', ip: '203.0.113.30' };
    for (let i = 0; i < 2; i++) await limiter.recordAuthenticationFailure(caller);
    for (let i = 0; i < 3; i++) await limiter.admitRequest({ endpoint: 'standard', ...caller });
    expect(await limiter.admitAuthentication(caller)).toEqual({ limit: 'auth-failures', retryAfter: 1 });
    expect(await limiter.admitRequest({ endpoint: 'standard', ...caller })).toMatchObject({ retryAfter: 1 });
    await sleep(350);
    expect(await limiter.admitAuthentication(caller)).toBeUndefined();
    expect(await limiter.admitRequest({ endpoint: 'standard', ...caller })).toBeUndefined();
  });

  it('with 0 as a limit never refuses and counts nothing', async () => {
    const { limiter, store } = await limits(backend, { requestsPerWindow: 0, authFailuresPerWindow: 0 });
    const caller = { endpoint: 'standard', clientId: 'web-app', ip: '203.0.113.40' };
    for (let i = 0; i < 20; i++) {
      expect(await limiter.admitRequest(caller)).toBeUndefined();
      await limiter.recordAuthenticationFailure(caller);
      expect(await limiter.admitAuthentication(caller)).toBeUndefined();
    }
    expect(await store.peek(['req:client:web-app', 'req:ip:standard:203.0.113.40', 'fail:client:web-app', 'fail:ip:203.0.113.40'])).toEqual(
      Array(4).fill({ hits: 0, resetInMs: 0 }),
    );
  });

  it('counts an overlong client id by its digest, so the key stays short', async () => {
    const { limiter, store } = await limits(backend, { requestsPerWindow: 1 });
    const clientId = 'x'.repeat(10_000);
    expect(await limiter.admitRequest({ endpoint: 'standard', clientId })).toBeUndefined();
    expect(await limiter.admitRequest({ endpoint: 'standard', clientId })).toMatchObject({ limit: 'client' });
    expect((await store.peek([`req:client:${clientId}`]))[0]!.hits).toBe(0);
  });
});

describe('TokenRateLimits when its counters fail', () => {
  it('lets requests through rather than failing sign-in (Redis gone)', async () => {
    const store = new RedisRateLimitStore(REDIS_URL, { keyPrefix: `latchkey-test:${randomUUID()}:` });
    await store.start();
    await store.close();
    const limiter = new TokenRateLimits(store, { requestsPerWindow: 1, authFailuresPerWindow: 1, windowMs: 60_000 });
    const caller = { endpoint: 'standard', clientId: 'web-app', ip: '203.0.113.50' };
    for (let i = 0; i < 3; i++) {
      expect(await limiter.admitRequest(caller)).toBeUndefined();
      await limiter.recordAuthenticationFailure(caller);
      expect(await limiter.admitAuthentication(caller)).toBeUndefined();
    }
  });
});
