import { ServerSecrets, validateEnvironment } from '@latchkey/config';
import { KeyEncryption } from '@latchkey/crypto';
import { GrantsService } from '@latchkey/grants';
import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/test-database.js';
import { IssuedTokensService } from './issued-tokens.service.js';
import { JwtAccessTokenVerifier } from './jwt-access-token-verifier.js';
import { SigningKeysService } from './signing-keys.service.js';
import { type AccessTokenInput, TokenSigner } from './token-signer.service.js';

const ISSUER = 'https://id.example.test';

describe('JwtAccessTokenVerifier', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let keys: SigningKeysService;
  let signer: TokenSigner;
  let issued: IssuedTokensService;
  let grants: GrantsService;
  let verifier: JwtAccessTokenVerifier;
  let userId: string;

  beforeAll(async () => {
    db = await openTestDatabase('token_verifier');
    const env = validateEnvironment({ ISSUER });
    keys = new SigningKeysService(db.dataSource, new KeyEncryption(ServerSecrets.fromKeyEncryptionKey(randomBytes(32))));
    await keys.onApplicationBootstrap();
    signer = new TokenSigner(env, keys);
    issued = new IssuedTokensService(db.dataSource);
    grants = new GrantsService(db.dataSource);
    verifier = new JwtAccessTokenVerifier(env, keys, issued);
    await db.dataSource.query(
      `INSERT INTO clients (client_id, name, profile, type) VALUES ('app', 'App', 'standard', 'public'), ('other', 'Other', 'standard', 'public')`,
    );
    [{ id: userId }] = await db.dataSource.query(`INSERT INTO users (username, name) VALUES ('ada', 'Ada') RETURNING id`);
  });
  afterAll(() => db?.close());

  /** Plans, records and signs, as the token endpoint will. */
  async function issue(input: Partial<AccessTokenInput> = {}) {
    const plan = signer.planAccessToken({ clientId: 'app', subject: userId, userId, scope: 'openid admin', expiresIn: 300, ...input });
    await issued.recordAccessToken(plan);
    return { plan, token: (await signer.signAccessToken(plan)).token };
  }

  it('accepts a token it issued and says whose it is', async () => {
    const grant = await grants.create({ clientId: 'app', userId, scope: 'openid admin' });
    const { plan, token } = await issue({ grantId: grant.id });
    expect(await verifier.verify(token)).toEqual({
      tokenId: plan.jti,
      clientId: 'app',
      subject: userId,
      scopes: ['openid', 'admin'],
      expiresAt: plan.expiresAt,
    });
    const inspected = await verifier.inspect(token);
    expect(inspected?.claims).toMatchObject({ jti: plan.jti, client_id: 'app', scope: 'openid admin' });
    expect(inspected?.record).toMatchObject({ id: plan.jti, grantId: grant.id, active: true });
  });

  it('rejects a tampered token: payload or signature', async () => {
    const { token } = await issue({ scope: 'openid' });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, scope: 'openid admin' })).toString('base64url');
    expect(await verifier.verify(`${header}.${forged}.${signature}`)).toBeNull();
    const sig = Buffer.from(signature, 'base64url');
    sig[5]! ^= 1;
    expect(await verifier.verify(`${header}.${payload}.${sig.toString('base64url')}`)).toBeNull();
    expect(await verifier.verify(`${header}.${payload}.`)).toBeNull();
    expect(await verifier.verify('')).toBeNull();
    expect(await verifier.verify('a.b.c')).toBeNull();
    expect(await verifier.verify(token)).not.toBeNull();
  });

  it('rejects tokens signed by a key it did not publish, alg none, or a key under another kid', async () => {
    const { plan } = await issue();
    const claims = signer.accessTokenClaims(plan);
    const active = await keys.activeKey();
    const stranger = await generateKeyPair('ES256');
    const foreign = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256', kid: active.kid, typ: 'at+jwt' }).sign(stranger.privateKey);
    expect(await verifier.verify(foreign)).toBeNull();
    const unknownKid = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256', kid: 'unknown', typ: 'at+jwt' }).sign(stranger.privateKey);
    expect(await verifier.verify(unknownKid)).toBeNull();
    const noKid = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' }).sign(active.signingKey);
    expect(await verifier.verify(noKid)).toBeNull();
    const unsecured = new UnsecuredJWT({ ...claims }).encode();
    expect(await verifier.verify(unsecured)).toBeNull();
  });

  it('rejects an expired token, a token of another issuer or type, and one never recorded', async () => {
    const { token: expired } = await issue({ issuedAt: new Date(Date.now() - 3600_000), expiresIn: 60 });
    expect(await verifier.verify(expired)).toBeNull();
    expect(await verifier.verifyJwt(expired)).toBeNull();

    const active = await keys.activeKey();
    const { plan } = await issue();
    const claims = signer.accessTokenClaims(plan);
    const sign = (payload: object, typ: string) =>
      new SignJWT({ ...payload }).setProtectedHeader({ alg: active.alg, kid: active.kid, typ }).sign(active.signingKey);
    expect(await verifier.verify(await sign(claims, 'at+jwt'))).not.toBeNull(); // the control
    expect(await verifier.verify(await sign({ ...claims, iss: 'https://evil.example' }, 'at+jwt'))).toBeNull();
    expect(await verifier.verify(await sign(claims, 'JWT'))).toBeNull();
    const idToken = await signer.signIdToken({ clientId: 'app', subject: userId });
    expect(await verifier.verify(idToken)).toBeNull();

    const unrecorded = signer.planAccessToken({ clientId: 'app', subject: userId, scope: 'admin', expiresIn: 60 });
    const unrecordedToken = (await signer.signAccessToken(unrecorded)).token;
    expect(await verifier.verifyJwt(unrecordedToken)).toMatchObject({ jti: unrecorded.jti });
    expect(await verifier.verify(unrecordedToken)).toBeNull();
  });

  it('rejects a token whose record is revoked', async () => {
    const { plan, token } = await issue();
    expect(await issued.revoke(plan.jti, { clientId: 'other' })).toBe(false);
    expect(await verifier.verify(token)).not.toBeNull();
    expect(await issued.revoke(plan.jti, { clientId: 'app' })).toBe(true);
    expect(await verifier.verify(token)).toBeNull();
    expect(await issued.revoke(plan.jti)).toBe(false);
  });

  it('rejects a token whose grant is revoked, even when its own record is not', async () => {
    const grant = await grants.create({ clientId: 'app', userId, scope: 'openid' });
    const { token } = await issue({ grantId: grant.id });
    expect(await verifier.verify(token)).not.toBeNull();
    // Only the grant row: the verifier must look at the grant itself.
    await db.dataSource.query(`UPDATE grants SET revoked_at = now() WHERE id = $1`, [grant.id]);
    expect((await db.dataSource.query(`SELECT revoked_at FROM issued_tokens WHERE grant_id = $1`, [grant.id]))[0].revoked_at).toBeNull();
    expect(await verifier.verify(token)).toBeNull();

    // And through GrantsService, the way the admin API revokes.
    const other = await grants.create({ clientId: 'app', userId, scope: 'openid' });
    const second = await issue({ grantId: other.id });
    expect(await verifier.verify(second.token)).not.toBeNull();
    await grants.revoke(other.id);
    expect(await verifier.verify(second.token)).toBeNull();
  });

  it('rejects tokens of a disabled client', async () => {
    const { token } = await issue({ clientId: 'other', subject: 'other', userId: null });
    expect(await verifier.verify(token)).toMatchObject({ clientId: 'other', subject: 'other' });
    await db.dataSource.query(`UPDATE clients SET disabled = true WHERE client_id = 'other'`);
    expect(await verifier.verify(token)).toBeNull();
  });

  it('refuses a DPoP-bound token as a bearer token, but inspects it for callers that check the proof', async () => {
    const { plan, token } = await issue({ dpopJkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' });
    expect(await verifier.verify(token)).toBeNull();
    const inspected = await verifier.inspect(token);
    expect(inspected?.claims.cnf).toEqual({ jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' });
    expect(inspected?.record).toMatchObject({ id: plan.jti, dpopJkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' });
  });

  it('checks the audience only when asked', async () => {
    const { token } = await issue({ audience: ['https://api.example.test'] });
    expect(await verifier.verify(token)).not.toBeNull();
    expect(await verifier.inspect(token, { audience: 'https://api.example.test' })).not.toBeNull();
    expect(await verifier.inspect(token, { audience: ISSUER })).toBeNull();
  });

  it('keeps verifying tokens signed before a rotation, and those signed after by the new kid', async () => {
    const before = await issue();
    const oldKid = (await keys.activeKey()).kid;
    const rotated = await keys.rotate();
    const after = await issue();
    expect(JSON.parse(Buffer.from(after.token.split('.')[0]!, 'base64url').toString()).kid).toBe(rotated.kid);
    expect(rotated.kid).not.toBe(oldKid);
    expect(await verifier.verify(before.token)).toMatchObject({ tokenId: before.plan.jti });
    expect(await verifier.verify(after.token)).toMatchObject({ tokenId: after.plan.jti });

    // Once the retired key is past its retention, what it signed no longer verifies.
    await db.dataSource.query(`UPDATE signing_keys SET retired_at = now() - interval '2 days' WHERE kid = $1`, [oldKid]);
    await keys.invalidate();
    expect(await verifier.verify(before.token)).toBeNull();
    expect(await verifier.verify(after.token)).not.toBeNull();
  });
});
