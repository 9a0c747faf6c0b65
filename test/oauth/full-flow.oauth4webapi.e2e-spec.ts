import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginThroughForm } from '../support/login-form.js';
import { OAuthFixtures } from '../support/oauth-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The same flow with oauth4webapi as a public client (PKCE, no secret), plain and DPoP-bound. */
describe('oauth4webapi against Latchkey', () => {
  let t: TestApp;
  let f: OAuthFixtures;
  let as: oauth.AuthorizationServer;
  let user: Awaited<ReturnType<OAuthFixtures['user']>>;
  let app: { clientId: string; redirectUri: string };
  const insecure = { [oauth.allowInsecureRequests]: true };

  beforeAll(async () => {
    t = await startTestApp('oauth4webapi');
    f = new OAuthFixtures(t);
    as = await f.authorizationServer();
    user = await f.user();
    app = await f.client({ type: 'public' });
  });
  afterAll(() => t?.close());

  async function codeFlow(dpop?: oauth.DPoPHandle) {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: app.clientId,
      redirect_uri: app.redirectUri,
      scope: 'openid profile email',
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const callback = await loginThroughForm(url, user);
    const params = oauth.validateAuthResponse(as, { client_id: app.clientId }, callback, state);
    const response = await oauth.authorizationCodeGrantRequest(as, { client_id: app.clientId }, oauth.None(), params, app.redirectUri, verifier, {
      ...insecure,
      DPoP: dpop,
    });
    return oauth.processAuthorizationCodeResponse(as, { client_id: app.clientId }, response, { expectedNonce: nonce, requireIdToken: true });
  }

  it('runs the code flow with PKCE and reads userinfo', async () => {
    const tokens = await codeFlow();
    const claims = oauth.getValidatedIdTokenClaims(tokens)!;
    expect(claims.sub).toBe(user.id);
    const response = await oauth.userInfoRequest(as, { client_id: app.clientId }, tokens.access_token, insecure);
    const info = await oauth.processUserInfoResponse(as, { client_id: app.clientId }, claims.sub, response);
    expect(info).toMatchObject({ sub: user.id, name: 'Ada Lovelace' });
  });

  it('rotates refresh tokens and detects reuse', async () => {
    const tokens = await codeFlow();
    const next = await oauth.processRefreshTokenResponse(
      as,
      { client_id: app.clientId },
      await oauth.refreshTokenGrantRequest(as, { client_id: app.clientId }, oauth.None(), tokens.refresh_token!, insecure),
    );
    expect(next.refresh_token).toBeTruthy();
    const reuse = await oauth.refreshTokenGrantRequest(as, { client_id: app.clientId }, oauth.None(), tokens.refresh_token!, insecure);
    await expect(oauth.processRefreshTokenResponse(as, { client_id: app.clientId }, reuse)).rejects.toMatchObject({ error: 'invalid_grant' });
    const afterReuse = await oauth.refreshTokenGrantRequest(as, { client_id: app.clientId }, oauth.None(), next.refresh_token!, insecure);
    await expect(oauth.processRefreshTokenResponse(as, { client_id: app.clientId }, afterReuse)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('binds everything to a DPoP key, refreshes and calls userinfo with proofs', async () => {
    const dpop = oauth.DPoP({}, await oauth.generateKeyPair('ES256'));
    const tokens = await codeFlow(dpop);
    expect(tokens.token_type).toBe('dpop');
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      { client_id: app.clientId },
      await oauth.refreshTokenGrantRequest(as, { client_id: app.clientId }, oauth.None(), tokens.refresh_token!, { ...insecure, DPoP: dpop }),
    );
    const response = await oauth.userInfoRequest(as, { client_id: app.clientId }, refreshed.access_token, { ...insecure, DPoP: dpop });
    const info = await oauth.processUserInfoResponse(as, { client_id: app.clientId }, user.id, response);
    expect(info.sub).toBe(user.id);
  });
});
