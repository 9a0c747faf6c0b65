import { compactVerify, decodeProtectedHeader, exportJWK, importJWK } from 'jose';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signCompactJws } from './compact-jws.js';

/** What jose, an independent verifier, makes of a token: its header and payload, or a rejection. */
async function verifiedByJose(token: string, publicKey: KeyObject, alg: string) {
  const { payload, protectedHeader } = await compactVerify(token, await importJWK(await exportJWK(publicKey), alg));
  return { header: protectedHeader, payload: JSON.parse(Buffer.from(payload).toString('utf8')) };
}

describe('signCompactJws', () => {
  it('signs ES256 tokens that jose verifies, with a 64-byte R || S signature and the header as given', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const header = { alg: 'ES256', kid: 'key-1', typ: 'at+jwt' } as const;
    const claims = { iss: 'https://id.example.test', sub: 'ada', scope: 'openid', iat: 1_800_000_000, cnf: { jkt: 'abc' } };

    const token = signCompactJws(header, claims, privateKey);

    expect(token.split('.')).toHaveLength(3);
    expect(decodeProtectedHeader(token)).toEqual(header);
    expect(Buffer.from(token.split('.')[2]!, 'base64url')).toHaveLength(64);
    await expect(verifiedByJose(token, publicKey, 'ES256')).resolves.toEqual({ header, payload: claims });
  });

  it('pads and trims R and S: signatures whose DER integers are 31 or 33 bytes long verify too', async () => {
    // DER drops an integer's leading zero byte (about 1 in 128 signatures has an R or S
    // that starts with one, so 31 bytes or fewer in DER) and adds a zero byte when the high
    // bit is set (about half of them: 33 bytes in DER). Both must come out as exactly 32
    // bytes each. Sign until both cases have been seen, and verify every one of them.
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const seen = { short: 0, long: 0 };
    for (let n = 0; n < 20_000 && (seen.short < 2 || seen.long < 2); n++) {
      const claims = { n };
      const token = signCompactJws({ alg: 'ES256', kid: 'k', typ: 'JWT' }, claims, privateKey);
      const jose = Buffer.from(token.split('.')[2]!, 'base64url');
      const shortComponent = jose[0] === 0 || jose[32] === 0;
      const longComponent = (jose[0]! & 0x80) !== 0 || (jose[32]! & 0x80) !== 0;
      if (!shortComponent && !longComponent) continue;
      expect(jose).toHaveLength(64);
      await expect(verifiedByJose(token, publicKey, 'ES256')).resolves.toMatchObject({ payload: claims });
      if (shortComponent) seen.short++;
      if (longComponent) seen.long++;
    }
    expect(seen.short).toBeGreaterThanOrEqual(2);
    expect(seen.long).toBeGreaterThanOrEqual(2);
  });

  it('signs RS256 tokens (PKCS #1 v1.5) that jose verifies', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const header = { alg: 'RS256', kid: 'rsa-1', typ: 'JWT' } as const;

    const token = signCompactJws(header, { sub: 'ada', nonce: 'n-0S6_WzA2Mj' }, privateKey);

    expect(Buffer.from(token.split('.')[2]!, 'base64url')).toHaveLength(256);
    await expect(verifiedByJose(token, publicKey, 'RS256')).resolves.toEqual({ header, payload: { sub: 'ada', nonce: 'n-0S6_WzA2Mj' } });
  });

  it('is refused by jose once a byte of the payload changes', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = signCompactJws({ alg: 'ES256', kid: 'k', typ: 'JWT' }, { sub: 'ada' }, privateKey);
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'eve' })).toString('base64url')}.${signature}`;

    await expect(verifiedByJose(forged, publicKey, 'ES256')).rejects.toThrow(/signature verification failed/);
  });
});
