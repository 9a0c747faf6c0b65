import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenIntrospectionService } from './token-introspection.service.js';
import { FIXTURE_ISSUER, openTokenFixture, type TokenFixture } from './token-services.fixture.js';

describe('TokenIntrospectionService', () => {
  let f: TokenFixture;
  let introspection: TokenIntrospectionService;

  beforeAll(async () => {
    f = await openTokenFixture('introspection');
    introspection = new TokenIntrospectionService(f.env, f.authenticator, f.accessTokens, f.refreshTokens, f.users, f.sigv4, f.issuedTokens);
  });
  afterAll(() => f?.db.close());

  const asApp = (token: string, tokenTypeHint?: string) => introspection.introspect({ client: f.clients.app, token, tokenTypeHint });
  const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

  it('answers an access token with exactly the RFC 7662 fields', async () => {
    const tokens = await f.issue();
    const claims = decodeJwt(tokens.accessToken);
    expect(await asApp(tokens.accessToken, 'refresh_token')).toEqual({
      active: true,
      scope: 'openid profile email',
      client_id: 'app',
      username: 'ada',
      token_type: 'Bearer',
      token_use: 'access_token',
      exp: seconds(tokens.plan.expiresAt),
      iat: seconds(tokens.plan.issuedAt),
      sub: f.adaId,
      aud: FIXTURE_ISSUER,
      iss: FIXTURE_ISSUER,
      jti: claims.jti,
    });
  });

  it('answers a refresh token with its own fields (no jti, aud or token_type), cnf when bound', async () => {
    const tokens = await f.issue({ userId: f.bobId, scope: 'openid', refreshJkt: 'thumbprint-of-the-key' });
    const [row] = await f.dataSource.query(`SELECT created_at FROM refresh_tokens WHERE grant_id = $1`, [tokens.grantId]);
    expect(await asApp(tokens.refreshToken!)).toEqual({
      active: true,
      scope: 'openid',
      client_id: 'app',
      username: 'bob',
      token_use: 'refresh_token',
      exp: seconds(tokens.refreshExpiresAt!),
      iat: seconds(row.created_at),
      sub: f.bobId,
      iss: FIXTURE_ISSUER,
      cnf: { jkt: 'thumbprint-of-the-key' },
    });
  });

  it('answers a DPoP-bound access token with token_type DPoP and cnf.jkt', async () => {
    const tokens = await f.issue({ dpopJkt: 'jkt-1' });
    expect(await asApp(tokens.accessToken)).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: 'jkt-1' } });
  });

  it('answers a client_credentials token without username, sub being the client', async () => {
    const tokens = await f.issue({ userId: null, scope: '' });
    const answer = await asApp(tokens.accessToken);
    expect(answer).toMatchObject({ active: true, client_id: 'app', sub: 'app', token_use: 'access_token' });
    expect(answer).not.toHaveProperty('username');
    expect(answer).not.toHaveProperty('scope');
  });

  it("answers only {active:false} for another client's tokens, unless the access token's aud names the caller", async () => {
    const tokens = await f.issue();
    const asOther = (token: string) => introspection.introspect({ client: f.clients.other, token });
    expect(await asOther(tokens.accessToken)).toEqual({ active: false });
    expect(await asOther(tokens.refreshToken!)).toEqual({ active: false });

    const forOther = await f.issue({ access: { audience: ['https://api.example', 'other'] } });
    expect(await asOther(forOther.accessToken)).toMatchObject({ active: true, client_id: 'app', aud: ['https://api.example', 'other'] });
  });

  it('answers {active:false} for revoked, rotated, expired and unknown tokens and for a disabled user', async () => {
    const revoked = await f.issue();
    await f.grants.revoke(revoked.grantId!);
    expect(await asApp(revoked.accessToken)).toEqual({ active: false });
    expect(await asApp(revoked.refreshToken!)).toEqual({ active: false });

    const rotated = await f.issue();
    await f.dataSource.transaction((m) => f.refreshTokens.rotate(rotated.refreshToken!, { clientId: 'app', ttlSeconds: 3600, graceSeconds: 0 }, m));
    expect(await asApp(rotated.refreshToken!)).toEqual({ active: false });
    expect((await asApp(rotated.accessToken)).active).toBe(true);

    const expired = await f.issue({ access: { issuedAt: new Date(Date.now() - 3_600_000), expiresIn: 60 } });
    expect(await asApp(expired.accessToken)).toEqual({ active: false });
    expect(await asApp('no-such-token')).toEqual({ active: false });

    // A user disabled behind the service's back (grants not revoked): still inactive.
    const [{ id }] = await f.dataSource.query(`INSERT INTO users (username, name) VALUES ('carol', 'Carol') RETURNING id`);
    const carol = await f.issue({ userId: id });
    expect((await asApp(carol.accessToken)).active).toBe(true);
    await f.dataSource.query(`UPDATE users SET disabled = true WHERE id = $1`, [id]);
    expect(await asApp(carol.accessToken)).toEqual({ active: false });
    expect(await asApp(carol.refreshToken!)).toEqual({ active: false });
  });

  it('is for authenticated confidential clients only', async () => {
    const tokens = await f.issue({ clientId: 'spa', scope: 'openid' });
    await expect(introspection.introspect({ client: f.clients.spa, token: tokens.accessToken })).rejects.toMatchObject({ code: 'invalid_client', status: 401 });
    await expect(introspection.introspect({ client: { ...f.clients.app, secret: 'wrong' }, token: tokens.accessToken })).rejects.toMatchObject({
      code: 'invalid_client',
      status: 401,
    });
    await expect(introspection.introspect({ client: f.clients.app })).rejects.toMatchObject({ code: 'invalid_request', field: 'token' });
  });
});
