import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { DpopProofVerifier } from './dpop-proof.verifier.js';
import { InMemoryReplayCache } from './replay-cache.js';

const URL_OF_ENDPOINT = 'https://id.example.com/oauth2/token';

/** The real in-process cache, noting how long each proof id was to be kept. */
class RecordingReplayCache extends InMemoryReplayCache {
  readonly ttls: number[] = [];
  override firstUse(key: string, ttlSeconds: number) {
    this.ttls.push(ttlSeconds);
    return super.firstUse(key, ttlSeconds);
  }
}

async function proofMadeSecondsAgo(age: number, jti = randomUUID()) {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return new SignJWT({ htm: 'POST', htu: URL_OF_ENDPOINT, iat: Math.floor(Date.now() / 1000) - age, jti })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) })
    .sign(privateKey);
}

describe('DpopProofVerifier and the replay cache', () => {
  it('keeps a proof id only while its iat is inside the 60 s window', async () => {
    const replays = new RecordingReplayCache();
    const verifier = new DpopProofVerifier(replays);
    await verifier.verify({ proof: await proofMadeSecondsAgo(0), method: 'POST', urls: [URL_OF_ENDPOINT] });
    await verifier.verify({ proof: await proofMadeSecondsAgo(45), method: 'POST', urls: [URL_OF_ENDPOINT] });
    // 60 s (61 with the second the clock may be into), not the two minutes of the whole window.
    expect(replays.ttls[0]).toBeGreaterThanOrEqual(60);
    expect(replays.ttls[0]).toBeLessThanOrEqual(62);
    expect(replays.ttls[1]).toBeGreaterThanOrEqual(15);
    expect(replays.ttls[1]).toBeLessThanOrEqual(17);
  });

  it('keeps ids in whole seconds when iat is fractional', async () => {
    const replays = new RecordingReplayCache();
    await new DpopProofVerifier(replays).verify({ proof: await proofMadeSecondsAgo(10.5), method: 'POST', urls: [URL_OF_ENDPOINT] });
    expect(Number.isInteger(replays.ttls[0])).toBe(true);
    expect(replays.ttls[0]).toBeGreaterThanOrEqual(50);
    expect(replays.ttls[0]).toBeLessThanOrEqual(52);
  });

  it('refuses a replay of a proof near the end of its window', async () => {
    const verifier = new DpopProofVerifier(new InMemoryReplayCache());
    const proof = await proofMadeSecondsAgo(58);
    await expect(verifier.verify({ proof, method: 'POST', urls: [URL_OF_ENDPOINT] })).resolves.toMatchObject({ jkt: expect.any(String) });
    await expect(verifier.verify({ proof, method: 'POST', urls: [URL_OF_ENDPOINT] })).rejects.toMatchObject({ code: 'invalid_dpop_proof' });
  });
});
