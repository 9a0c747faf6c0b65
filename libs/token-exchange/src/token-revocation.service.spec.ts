import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthError } from './oauth-error.js';
import { openTokenFixture, type TokenFixture } from './token-services.fixture.js';
import { TokenRevocationService } from './token-revocation.service.js';

describe('TokenRevocationService', () => {
  let f: TokenFixture;
  let revocation: TokenRevocationService;

  beforeAll(async () => {
    f = await openTokenFixture('revocation');
    revocation = new TokenRevocationService(f.authenticator, f.accessTokens, f.issuedTokens, f.refreshTokens);
  });
  afterAll(() => f?.db.close());

  /** What is still live of a grant and of one access token. */
  async function state(grantId: string, jti: string) {
    const [row] = await f.dataSource.query(
      `SELECT (SELECT revoked_at IS NOT NULL FROM grants WHERE id = $1) AS grant_revoked,
              (SELECT count(*) FROM refresh_tokens WHERE grant_id = $1 AND revoked_at IS NULL)::int AS live_refresh,
              (SELECT count(*) FROM issued_tokens WHERE grant_id = $1 AND revoked_at IS NULL)::int AS live_access,
              (SELECT revoked_at IS NOT NULL FROM issued_tokens WHERE id = $2) AS access_revoked`,
      [grantId, jti],
    );
    return row as { grant_revoked: boolean; live_refresh: number; live_access: number; access_revoked: boolean };
  }

  it('revokes an access token by its record, and nothing else of its grant', async () => {
    const tokens = await f.issue();
    const outcome = await revocation.revoke({ client: f.clients.app, token: tokens.accessToken, tokenTypeHint: 'access_token' });
    expect(outcome).toEqual({ kind: 'access_token', result: 'revoked' });
    expect(await state(tokens.grantId!, tokens.plan.jti)).toEqual({ grant_revoked: false, live_refresh: 1, live_access: 0, access_revoked: true });
    expect(await f.accessTokens.inspect(tokens.accessToken)).toBeNull();
    // Again: still fine, still revoked.
    expect(await revocation.revoke({ client: f.clients.app, token: tokens.accessToken })).toEqual({ kind: 'access_token', result: 'revoked' });
  });

  it('revokes a refresh token with its family (grant, refresh tokens, access tokens), whatever the hint', async () => {
    const tokens = await f.issue();
    const untouched = await f.issue();
    const outcome = await revocation.revoke({ client: f.clients.app, token: tokens.refreshToken, tokenTypeHint: 'access_token' });
    expect(outcome).toEqual({ kind: 'refresh_token', result: 'revoked' });
    expect(await state(tokens.grantId!, tokens.plan.jti)).toEqual({ grant_revoked: true, live_refresh: 0, live_access: 0, access_revoked: true });
    expect(await state(untouched.grantId!, untouched.plan.jti)).toEqual({ grant_revoked: false, live_refresh: 1, live_access: 1, access_revoked: false });
  });

  it('revokes the family from a rotated (consumed) refresh token too', async () => {
    const tokens = await f.issue();
    const rotation = await f.dataSource.transaction((m) => f.refreshTokens.rotate(tokens.refreshToken!, { clientId: 'app', ttlSeconds: 3600, graceSeconds: 0 }, m));
    expect(rotation.status).toBe('rotated');
    expect(await revocation.revoke({ client: f.clients.app, token: tokens.refreshToken })).toEqual({ kind: 'refresh_token', result: 'revoked' });
    expect((await state(tokens.grantId!, tokens.plan.jti)).live_refresh).toBe(0);
  });

  it("leaves another client's tokens alone and says so", async () => {
    const tokens = await f.issue();
    expect(await revocation.revoke({ client: f.clients.other, token: tokens.accessToken })).toEqual({ kind: 'access_token', result: 'foreign' });
    expect(await revocation.revoke({ client: f.clients.other, token: tokens.refreshToken })).toEqual({ kind: 'refresh_token', result: 'foreign' });
    expect(await revocation.revoke({ client: f.clients.spa, token: tokens.refreshToken })).toEqual({ kind: 'refresh_token', result: 'foreign' });
    expect(await state(tokens.grantId!, tokens.plan.jti)).toEqual({ grant_revoked: false, live_refresh: 1, live_access: 1, access_revoked: false });
  });

  it('lets a public client revoke its own tokens with client_id alone', async () => {
    const tokens = await f.issue({ clientId: 'spa', scope: 'openid' });
    expect(await revocation.revoke({ client: f.clients.spa, token: tokens.refreshToken })).toEqual({ kind: 'refresh_token', result: 'revoked' });
    expect((await state(tokens.grantId!, tokens.plan.jti)).grant_revoked).toBe(true);
  });

  it('revokes a client_credentials access token (no grant)', async () => {
    const tokens = await f.issue({ userId: null, scope: 'profile' });
    expect(await revocation.revoke({ client: f.clients.app, token: tokens.accessToken })).toEqual({ kind: 'access_token', result: 'revoked' });
    expect((await f.issuedTokens.status(tokens.plan.jti))?.revokedAt).not.toBeNull();
  });

  it('reports unknown, expired and forged tokens as unknown', async () => {
    const expired = await f.issue({ access: { issuedAt: new Date(Date.now() - 3_600_000), expiresIn: 60 } });
    const [header, payload] = expired.accessToken.split('.');
    for (const token of ['no-such-token', expired.accessToken, `${header}.${payload}.AAAA`, 'a.b.c']) {
      expect(await revocation.revoke({ client: f.clients.app, token })).toEqual({ kind: null, result: 'unknown' });
    }
  });

  it('authenticates the client first, then wants a token', async () => {
    const wrongSecret = revocation.revoke({ client: { ...f.clients.app, secret: 'wrong' } });
    await expect(wrongSecret).rejects.toMatchObject({ code: 'invalid_client', status: 401 });
    const confidentialWithoutSecret = revocation.revoke({ client: { method: 'none', clientId: 'app' }, token: 'x' });
    await expect(confidentialWithoutSecret).rejects.toMatchObject({ code: 'invalid_client' });
    const noToken = revocation.revoke({ client: f.clients.app });
    await expect(noToken).rejects.toBeInstanceOf(OAuthError);
    await expect(noToken).rejects.toMatchObject({ code: 'invalid_request', status: 400, field: 'token' });
  });
});
