import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Behind a proxy, TRUST_PROXY makes the per-IP limits count the callers, not the proxy. */
describe('TRUST_PROXY and per-IP rate limits', () => {
  let trusting: TestApp;
  let plain: TestApp;
  beforeAll(async () => {
    trusting = await startTestApp('trust-proxy', { RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '127.0.0.1' });
    plain = await startTestApp('no-trust-proxy', { RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await trusting?.close();
    await plain?.close();
  });

  const token = (t: TestApp, forwardedFor: string) =>
    fetch(`${t.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': forwardedFor },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'nobody', code: 'x', redirect_uri: 'https://a.example/cb' }),
    });

  it('counts each forwarded caller on its own when the proxy is trusted', async () => {
    for (let caller = 1; caller <= 5; caller++) {
      for (let i = 0; i < 3; i++) expect((await token(trusting, `198.51.100.${caller}`)).status).toBe(401);
    }
    expect((await token(trusting, '198.51.100.1')).status).toBe(429);
  });

  it('ignores X-Forwarded-For from an untrusted peer: one count for everyone', async () => {
    for (let caller = 1; caller <= 3; caller++) expect((await token(plain, `198.51.100.${caller}`)).status).toBe(401);
    expect((await token(plain, '198.51.100.99')).status).toBe(429);
  });
});
