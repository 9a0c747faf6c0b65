import { ServerSecrets, validateEnvironment } from '@latchkey/config';
import { KeyEncryption } from '@latchkey/crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/test-database.js';
import { IssuedTokensService } from './issued-tokens.service.js';
import { SigningKeysService } from './signing-keys.service.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from './token-lifetimes.js';
import { accessTokenHash, TokenSigner } from './token-signer.service.js';

const ISSUER = 'https://id.example.test';

describe('TokenSigner', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let keys: SigningKeysService;
  let signer: TokenSigner;
  let issued: IssuedTokensService;
  let userId: string;

  beforeAll(async () => {
    db = await openTestDatabase('token_signer');
    keys = new SigningKeysService(db.dataSource, new KeyEncryption(ServerSecrets.fromKeyEncryptionKey(randomBytes(32))));
    await keys.onApplicationBootstrap();
    signer = new TokenSigner(validateEnvironment({ ISSUER: `${ISSUER}/` }), keys);
    issued = new IssuedTokensService(db.dataSource);
    await db.dataSource.query(`INSERT INTO clients (client_id, name, profile, type) VALUES ('app', 'App', 'standard', 'public')`);
    [{ id: userId }] = await db.dataSource.query(`INSERT INTO users (username, name) VALUES ('ada', 'Ada') RETURNING id`);
  });
  afterAll(() => db?.close());

  const verifyWithJwks = async (token: string, typ: string) =>
    jwtVerify(token, createLocalJWKSet(await keys.jwks()), { issuer: ISSUER, typ });

  it('signs RFC 9068 access tokens: typ at+jwt, kid, and exactly the claims', async () => {
    const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const plan = signer.planAccessToken({ clientId: 'app', subject: userId, userId, scope: ['openid', 'profile'], expiresIn: 600, issuedAt });
    const signed = await signer.signAccessToken(plan);
    const iat = issuedAt.getTime() / 1000;

    const { payload, protectedHeader } = await verifyWithJwks(signed.token, 'at+jwt');
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: (await keys.activeKey()).kid, typ: 'at+jwt' });
    expect(payload).toEqual({
      iss: ISSUER,
      sub: userId,
      aud: ISSUER,
      client_id: 'app',
      scope: 'openid profile',
      jti: plan.jti,
      iat,
      exp: iat + 600,
    });
    expect(plan.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(signed).toMatchObject({ jti: plan.jti, kid: protectedHeader.kid, expiresIn: 600, expiresAt: new Date((iat + 600) * 1000) });
    expect(signer.planAccessToken({ clientId: 'app', subject: userId, expiresIn: 60 }).jti).not.toBe(plan.jti);
  });

  it('adds auth_time and cnf.jkt when given, names the audience asked for, and omits an empty scope', async () => {
    const authTime = new Date('2026-11-01T10:00:00Z');
    const plan = signer.planAccessToken({
      clientId: 'app',
      subject: 'app',
      expiresIn: 60,
      audience: 'https://api.example.test',
      authTime,
      dpopJkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I',
    });
    const { payload } = await jwtVerify((await signer.signAccessToken(plan)).token, createLocalJWKSet(await keys.jwks()), {
      audience: 'https://api.example.test',
    });
    expect(Object.keys(payload).sort()).toEqual(['aud', 'auth_time', 'client_id', 'cnf', 'exp', 'iat', 'iss', 'jti', 'sub']);
    expect(payload.auth_time).toBe(authTime.getTime() / 1000);
    expect(payload.cnf).toEqual({ jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' });
  });

  it('clamps lifetimes to the bound that retired keys are kept for', async () => {
    const plan = signer.planAccessToken({ clientId: 'app', subject: 'app', expiresIn: 7 * 24 * 3600 });
    expect(plan.expiresIn).toBe(MAX_TOKEN_LIFETIME_SECONDS);
    const { payload } = await verifyWithJwks((await signer.signAccessToken(plan)).token, 'at+jwt');
    expect(payload.exp! - payload.iat!).toBe(MAX_TOKEN_LIFETIME_SECONDS);
    expect(() => signer.planAccessToken({ clientId: 'app', subject: 'app', expiresIn: 0 })).toThrow(RangeError);
  });

  it('records an issued access token by jti, inside a given transaction', async () => {
    const grant = (await db.dataSource.query(`INSERT INTO grants (client_id, user_id, scope) VALUES ('app', $1, 'openid') RETURNING id`, [userId]))[0];
    const plan = signer.planAccessToken({ clientId: 'app', subject: userId, userId, grantId: grant.id, scope: 'openid', expiresIn: 300, dpopJkt: 'jkt-1' });
    await expect(
      db.dataSource.transaction(async (m) => {
        await issued.recordAccessToken(plan, m);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await issued.status(plan.jti)).toBeNull();

    await db.dataSource.transaction((m) => issued.recordAccessToken(plan, m));
    const [row] = await db.dataSource.query(`SELECT * FROM issued_tokens WHERE id = $1`, [plan.jti]);
    expect(row).toMatchObject({
      id: plan.jti,
      kind: 'access_token',
      grant_id: grant.id,
      client_id: 'app',
      user_id: userId,
      scope: 'openid',
      dpop_jkt: 'jkt-1',
      secret_encrypted: null,
      revoked_at: null,
    });
    expect(row.expires_at).toEqual(plan.expiresAt);
    expect(await issued.status(plan.jti)).toMatchObject({ active: true, grantRevokedAt: null, clientDisabled: false });
  });

  it('signs OpenID Connect ID tokens with at_hash, nonce, auth_time and claims by scope', async () => {
    const accessToken = (await signer.signAccessToken(signer.planAccessToken({ clientId: 'app', subject: userId, expiresIn: 60 }))).token;
    const authTime = new Date('2026-11-01T10:00:00Z');
    const idToken = await signer.signIdToken({
      clientId: 'app',
      subject: userId,
      scope: 'openid profile email',
      authTime,
      nonce: 'n-0S6_WzA2Mj',
      accessToken,
      user: { name: 'Ada Lovelace', email: 'ada@example.test' },
    });
    const { payload, protectedHeader } = await verifyWithJwks(idToken, 'JWT');
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: (await keys.activeKey()).kid, typ: 'JWT' });
    const leftHalf = createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');
    expect(payload).toEqual({
      iss: ISSUER,
      sub: userId,
      aud: 'app',
      iat: expect.any(Number),
      exp: payload.iat! + 3600,
      auth_time: authTime.getTime() / 1000,
      nonce: 'n-0S6_WzA2Mj',
      at_hash: leftHalf,
      name: 'Ada Lovelace',
      email: 'ada@example.test',
    });

    const bare = await signer.signIdToken({ clientId: 'app', subject: userId, scope: 'openid', user: { name: 'Ada', email: 'a@x' }, expiresIn: 120 });
    const bareClaims = (await verifyWithJwks(bare, 'JWT')).payload;
    expect(Object.keys(bareClaims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'sub']);
    expect(bareClaims.exp! - bareClaims.iat!).toBe(120);
    expect(decodeProtectedHeader(bare).typ).toBe('JWT');
  });

  it('computes at_hash as in the OpenID Connect Core example', () => {
    // OpenID Connect Core 1.0, Appendix A.3.
    expect(accessTokenHash('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y')).toBe('77QmUPtjPfzWtF2AnpK9RQ');
  });

  it('signs with the new active key after a rotation', async () => {
    const rotated = await keys.rotate();
    const signed = await signer.signAccessToken(signer.planAccessToken({ clientId: 'app', subject: 'app', expiresIn: 60 }));
    expect(signed.kid).toBe(rotated.kid);
    expect(decodeProtectedHeader(await signer.signIdToken({ clientId: 'app', subject: userId })).kid).toBe(rotated.kid);
  });
});
