import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { DpopKeyCache } from './dpop-key-cache.js';

const token = { payload: '', signature: '' };

describe('DpopKeyCache', () => {
  it('imports a proof key once and returns it, with its thumbprint, for the same header', async () => {
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const cache = new DpopKeyCache();
    const first = await cache.resolve({ alg: 'ES256', jwk }, token);
    expect(first.jkt).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
    expect(first.key.type).toBe('public');
    expect(await cache.resolve({ alg: 'ES256', jwk: { ...jwk } }, token)).toBe(first);
  });

  it('refuses a private key or a missing jwk, and keeps nothing for them', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const cache = new DpopKeyCache();
    await expect(cache.resolve({ alg: 'ES256', jwk: await exportJWK(privateKey) }, token)).rejects.toThrow(/public key/);
    await expect(cache.resolve({ alg: 'ES256' }, token)).rejects.toThrow(/JSON object/);
  });
});
