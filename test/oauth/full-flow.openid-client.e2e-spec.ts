import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginThroughForm } from '../support/login-form.js';
import { OAuthFixtures } from '../support/oauth-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The whole protocol with openid-client v6 as the relying party: discovery, the login
 * form, code exchange with PKCE, ID token validation against the JWKS, userinfo, refresh
 * with rotation, reuse detection, introspection, revocation, client_credentials and DPoP.
 */
describe('openid-client against Latchkey', () => {
  let t: TestApp;
  let f: OAuthFixtures;
  let user: Awaited<ReturnType<OAuthFixtures['user']>>;
  let rp: { clientId: string; clientSecret?: string; redirectUri: string };
  let config: client.Configuration;

  beforeAll(async () => {
    t = await startTestApp('openid-client');
    f = new OAuthFixtures(t);
    user = await f.user();
    rp = await f.client({ type: 'confidential', requirePkce: true, grantTypes: ['authorization_code', 'refresh_token'] });
    config = await client.discovery(new URL(t.baseUrl), rp.clientId, { redirect_uris: [rp.redirectUri] }, client.ClientSecretBasic(rp.clientSecret!), {
      execute: [client.allowInsecureRequests],
    });
  });
  afterAll(() => t?.close());

  async function authorize(options: { dpop?: client.DPoPHandle } = {}) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: rp.redirectUri,
      scope: 'openid profile email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const callback = await loginThroughForm(url, user);
    return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }, undefined, {
      DPoP: options.dpop,
    });
  }

  it('discovers the issuer and its endpoints', () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(t.baseUrl);
    expect(metadata.token_endpoint).toBe(`${t.baseUrl}/oauth2/token`);
  });

  it('logs in through the form, exchanges the code, validates the ID token and reads userinfo', async () => {
    const tokens = await authorize();
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: t.baseUrl, sub: user.id, aud: rp.clientId, name: 'Ada Lovelace' });
    expect(typeof claims.auth_time).toBe('number');
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ sub: user.id, name: 'Ada Lovelace', email: `${user.username}@example.com` });
  });

  it('rotates refresh tokens; reusing one revokes the family, which introspection then shows', async () => {
    const tokens = await authorize();
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(await client.tokenIntrospection(config, refreshed.access_token)).toMatchObject({ active: true, client_id: rp.clientId, sub: user.id });

    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await client.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);
    expect((await client.tokenIntrospection(config, refreshed.refresh_token!)).active).toBe(false);
  });

  it('revokes a refresh token with its family (RFC 7009)', async () => {
    const tokens = await authorize();
    expect((await client.tokenIntrospection(config, tokens.refresh_token!)).active).toBe(true);
    await client.tokenRevocation(config, tokens.refresh_token!);
    expect((await client.tokenIntrospection(config, tokens.refresh_token!)).active).toBe(false);
    expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('binds tokens to a DPoP key and uses them at userinfo with proofs', async () => {
    const dpop = client.getDPoPHandle(config, await client.randomDPoPKeyPair());
    const tokens = await authorize({ dpop });
    expect(tokens.token_type).toBe('dpop');
    const info = await client.fetchUserInfo(config, tokens.access_token, user.id, { DPoP: dpop });
    expect(info.sub).toBe(user.id);
  });

  it('issues client_credentials tokens', async () => {
    const service = await f.client({ type: 'confidential', grantTypes: ['client_credentials'], scopes: ['reports'], redirectUris: [] });
    const serviceConfig = await client.discovery(new URL(t.baseUrl), service.clientId, undefined, client.ClientSecretPost(service.clientSecret!), {
      execute: [client.allowInsecureRequests],
    });
    const tokens = await client.clientCredentialsGrant(serviceConfig, { scope: 'reports' });
    expect(tokens.scope).toBe('reports');
    expect(await client.tokenIntrospection(serviceConfig, tokens.access_token)).toMatchObject({ active: true, client_id: service.clientId, scope: 'reports' });
  });
});
