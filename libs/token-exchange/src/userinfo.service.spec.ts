import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_ISSUER, openTokenFixture, type TokenFixture } from './token-services.fixture.js';
import { UserinfoService, type UserinfoRequest } from './userinfo.service.js';

const URL = `${FIXTURE_ISSUER}/oauth2/userinfo`;

describe('UserinfoService', () => {
  let f: TokenFixture;
  let service: UserinfoService;
  let key: { privateKey: CryptoKey; jwk: JWK; jkt: string };

  beforeAll(async () => {
    f = await openTokenFixture('userinfo');
    service = new UserinfoService(f.env, f.accessTokens, f.dpop, f.users, f.sigv4Requests);
    const pair = await generateKeyPair('ES256');
    const jwk = await exportJWK(pair.publicKey);
    key = { privateKey: pair.privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
  });
  afterAll(() => f?.db.close());

  const get = (over: Partial<UserinfoRequest>) => service.userinfo({ method: 'GET', urls: [URL], ...over });
  const bearer = (token: string) => get({ authorization: `Bearer ${token}` });
  const proof = (claims: Record<string, unknown>, signer = key) =>
    new SignJWT({ htm: 'GET', htu: URL, jti: randomUUID(), ...claims })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: signer.jwk })
      .setIssuedAt()
      .sign(signer.privateKey);
  const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

  it('answers sub, name and email as the scope allows', async () => {
    expect(await bearer((await f.issue({ scope: 'openid profile email' })).accessToken)).toEqual({ sub: f.adaId, name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(await bearer((await f.issue({ scope: 'openid' })).accessToken)).toEqual({ sub: f.adaId });
    expect(await bearer((await f.issue({ scope: 'openid email' })).accessToken)).toEqual({ sub: f.adaId, email: 'ada@example.com' });
    expect(await bearer((await f.issue({ scope: 'openid email profile', userId: f.bobId })).accessToken)).toEqual({ sub: f.bobId, name: 'Bob' });
  });

  it('takes the token from a POST body, never with the header too, never on GET; the scheme is case-insensitive', async () => {
    const { accessToken } = await f.issue();
    expect(await service.userinfo({ method: 'POST', urls: [URL], bodyToken: accessToken })).toMatchObject({ sub: f.adaId });
    expect(await get({ authorization: `bearer ${accessToken}` })).toMatchObject({ sub: f.adaId });
    await expect(service.userinfo({ method: 'POST', urls: [URL], bodyToken: accessToken, authorization: `Bearer ${accessToken}` })).rejects.toMatchObject({
      code: 'invalid_request',
      status: 400,
    });
    await expect(get({ bodyToken: accessToken })).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('refuses a missing, malformed, unknown, revoked or foreign-audience token (401 invalid_token)', async () => {
    const revoked = await f.issue();
    await f.issuedTokens.revoke(revoked.plan.jti);
    const foreign = await f.issue({ access: { audience: 'https://api.example' } });
    for (const request of [
      {},
      { authorization: 'Basic YXBwOnNlY3JldA==' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer a b' },
      { authorization: 'Bearer not-a-token' },
      { authorization: `Bearer ${revoked.accessToken}` },
      { authorization: `Bearer ${foreign.accessToken}` },
    ]) {
      await expect(get(request), JSON.stringify(request)).rejects.toMatchObject({ code: 'invalid_token', status: 401 });
    }
  });

  it('refuses tokens without scope openid or without a user (403 insufficient_scope)', async () => {
    await expect(bearer((await f.issue({ scope: 'profile email' })).accessToken)).rejects.toMatchObject({ code: 'insufficient_scope', status: 403 });
    await expect(bearer((await f.issue({ userId: null, scope: 'openid profile' })).accessToken)).rejects.toMatchObject({
      code: 'insufficient_scope',
      status: 403,
      description: expect.stringMatching(/no user/),
    });
  });

  it('refuses the token of a disabled user even when its grant was not revoked (401)', async () => {
    const [{ id }] = await f.dataSource.query(`INSERT INTO users (username, name) VALUES ('dave', 'Dave') RETURNING id`);
    const { accessToken } = await f.issue({ userId: id });
    expect(await bearer(accessToken)).toEqual({ sub: id, name: 'Dave' });
    await f.dataSource.query(`UPDATE users SET disabled = true WHERE id = $1`, [id]);
    await expect(bearer(accessToken)).rejects.toMatchObject({ code: 'invalid_token', status: 401 });
  });

  describe('DPoP (RFC 9449 §7)', () => {
    it('accepts a bound token with the DPoP scheme and a proof of its key (ath, htm, htu)', async () => {
      const { accessToken } = await f.issue({ dpopJkt: key.jkt });
      expect(await get({ authorization: `DPoP ${accessToken}`, dpop: await proof({ ath: ath(accessToken) }) })).toMatchObject({ sub: f.adaId });
      const post = await service.userinfo({
        method: 'POST',
        urls: ['http://elsewhere.example/x', URL],
        authorization: `DPoP ${accessToken}`,
        dpop: await proof({ htm: 'POST', ath: ath(accessToken) }),
      });
      expect(post).toMatchObject({ sub: f.adaId });
    });

    it('refuses a bound token as a bearer token, in the header or the body', async () => {
      const { accessToken } = await f.issue({ dpopJkt: key.jkt });
      await expect(bearer(accessToken)).rejects.toMatchObject({ code: 'invalid_token', status: 401 });
      await expect(service.userinfo({ method: 'POST', urls: [URL], bodyToken: accessToken })).rejects.toMatchObject({ code: 'invalid_token' });
    });

    it('refuses bad proofs with 401 invalid_dpop_proof: none, wrong ath, wrong htm, wrong htu, replayed', async () => {
      const { accessToken } = await f.issue({ dpopJkt: key.jkt });
      const replayed = await proof({ ath: ath(accessToken) });
      expect(await get({ authorization: `DPoP ${accessToken}`, dpop: replayed })).toMatchObject({ sub: f.adaId });
      const proofs = [
        undefined,
        await proof({ ath: ath('another token') }),
        await proof({}),
        await proof({ htm: 'POST', ath: ath(accessToken) }),
        await proof({ htu: `${FIXTURE_ISSUER}/oauth2/token`, ath: ath(accessToken) }),
        replayed,
      ];
      for (const dpop of proofs) {
        await expect(get({ authorization: `DPoP ${accessToken}`, dpop })).rejects.toMatchObject({ code: 'invalid_dpop_proof', status: 401 });
      }
    });

    it('refuses a proof of another key, and an unbound token with the DPoP scheme (401 invalid_token)', async () => {
      const { accessToken } = await f.issue({ dpopJkt: 'thumbprint-of-another-key' });
      await expect(get({ authorization: `DPoP ${accessToken}`, dpop: await proof({ ath: ath(accessToken) }) })).rejects.toMatchObject({
        code: 'invalid_token',
        description: expect.stringMatching(/key/),
      });
      const unbound = await f.issue();
      await expect(get({ authorization: `DPoP ${unbound.accessToken}`, dpop: await proof({ ath: ath(unbound.accessToken) }) })).rejects.toMatchObject({
        code: 'invalid_token',
        status: 401,
      });
    });
  });
});
