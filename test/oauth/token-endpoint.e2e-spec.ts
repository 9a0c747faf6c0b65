import * as oauth from 'oauth4webapi';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, OAuthFixtures } from '../support/oauth-fixtures.js';
import { adminRequest, startTestApp, type TestApp } from '../support/test-app.js';

/** POST /oauth2/token driven by oauth4webapi (a client written by others), and by hand for what it refuses to send. */
describe('POST /oauth2/token', () => {
  let t: TestApp;
  let f: OAuthFixtures;
  let as: oauth.AuthorizationServer;
  let user: Awaited<ReturnType<OAuthFixtures['user']>>;

  beforeAll(async () => {
    t = await startTestApp('token-endpoint');
    f = new OAuthFixtures(t);
    as = await f.authorizationServer();
    user = await f.user();
  });
  afterAll(() => t?.close());

  const insecure = { [oauth.allowInsecureRequests]: true };
  const callback = (code: string) => new URLSearchParams({ code, iss: as.issuer });

  async function redeem(client: { clientId: string; redirectUri: string }, auth: oauth.ClientAuth, code: string, verifier: string, options: oauth.TokenEndpointRequestOptions = {}) {
    const params = oauth.validateAuthResponse(as, { client_id: client.clientId }, callback(code), oauth.skipStateCheck);
    return oauth.authorizationCodeGrantRequest(as, { client_id: client.clientId }, auth, params, client.redirectUri, verifier, { ...insecure, ...options });
  }

  describe('authorization_code', () => {
    it('exchanges a code with PKCE for tokens the client library validates (public client)', async () => {
      const client = await f.client();
      const { code, verifier } = await f.code(client, user.id, { nonce: 'nonce-123' });
      const response = await redeem(client, oauth.None(), code, verifier);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('pragma')).toBe('no-cache');
      const tokens = await oauth.processAuthorizationCodeResponse(as, { client_id: client.clientId }, response, { expectedNonce: 'nonce-123', requireIdToken: true });
      expect(tokens.token_type).toBe('bearer');
      expect(tokens.expires_in).toBe(3600);
      expect(tokens.scope).toBe('openid profile email');
      expect(tokens.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const claims = oauth.getValidatedIdTokenClaims(tokens)!;
      expect(claims).toMatchObject({ iss: t.baseUrl, sub: user.id, aud: client.clientId, nonce: 'nonce-123', name: 'Ada Lovelace', email: `${user.username}@example.com` });
      const access = decodeJwt(tokens.access_token);
      expect(access).toMatchObject({ iss: t.baseUrl, sub: user.id, client_id: client.clientId, scope: 'openid profile email' });
    });

    it('authenticates confidential clients by client_secret_basic and client_secret_post', async () => {
      for (const method of ['basic', 'post'] as const) {
        const client = await f.client({ type: 'confidential' });
        const { code, verifier } = await f.code(client, user.id);
        const auth = method === 'basic' ? oauth.ClientSecretBasic(client.clientSecret!) : oauth.ClientSecretPost(client.clientSecret!);
        const response = await redeem(client, auth, code, verifier);
        const tokens = await oauth.processAuthorizationCodeResponse(as, { client_id: client.clientId }, response);
        expect(tokens.access_token).toBeTruthy();
      }
    });

    it('refuses a wrong client secret with 401 and a Basic challenge', async () => {
      const client = await f.client({ type: 'confidential' });
      const { code, verifier } = await f.code(client, user.id);
      const res = await f.post(
        '/oauth2/token',
        { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: verifier },
        { authorization: basic(client.clientId, 'wrong-secret') },
      );
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      // A confidential client cannot fall back to sending client_id alone.
      const none = await f.post('/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: verifier, client_id: client.clientId });
      expect(none.status).toBe(401);
    });

    it.each([
      ['a wrong redirect_uri', { redirect_uri: 'https://app.example.com/other' }],
      ['a missing code_verifier', { code_verifier: undefined }],
      ['a wrong code_verifier', { code_verifier: 'x'.repeat(43) }],
    ])('refuses %s with invalid_grant, and the code still works for its client', async (_name, change) => {
      const client = await f.client();
      const { code, verifier } = await f.code(client, user.id);
      const form: Record<string, string | undefined> = { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: verifier, client_id: client.clientId, ...change };
      const bad = await f.post('/oauth2/token', Object.fromEntries(Object.entries(form).filter(([, v]) => v !== undefined)) as Record<string, string>);
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe('invalid_grant');
      const good = await f.post('/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: verifier, client_id: client.clientId });
      expect(good.status).toBe(200);
    });

    it('lets a client with one registered redirect URI omit it, and requires it otherwise', async () => {
      const single = await f.client();
      const one = await f.code(single, user.id);
      const ok = await f.post('/oauth2/token', { grant_type: 'authorization_code', code: one.code, code_verifier: one.verifier, client_id: single.clientId });
      expect(ok.status).toBe(200);

      const several = await f.client({ redirectUris: ['https://app.example.com/callback', 'https://app.example.com/other'] });
      const two = await f.code(several, user.id);
      const missing = await f.post('/oauth2/token', { grant_type: 'authorization_code', code: two.code, code_verifier: two.verifier, client_id: several.clientId });
      expect(missing.status).toBe(400);
      expect(missing.body).toEqual({ error: 'invalid_request', error_description: 'The redirect_uri parameter is required.' });
    });

    it('refuses an expired code', async () => {
      const client = await f.client();
      const { code, verifier } = await f.code(client, user.id, { expiresIn: 1 });
      await new Promise((r) => setTimeout(r, 1200));
      const res = await f.post('/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: verifier, client_id: client.clientId });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_grant', error_description: 'The authorization code has expired.' });
    });

    it('refuses a replayed code and revokes the tokens the first exchange issued', async () => {
      const client = await f.client();
      const { code, verifier } = await f.code(client, user.id);
      const form = { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: verifier, client_id: client.clientId };
      const first = await f.post('/oauth2/token', form);
      expect(first.status).toBe(200);
      const replay = await f.post('/oauth2/token', form);
      expect(replay.status).toBe(400);
      expect(replay.body.error).toBe('invalid_grant');
      const refresh = await f.post('/oauth2/token', { grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: client.clientId });
      expect(refresh.status).toBe(400);
      const [row] = await t.app.get(DataSource).query('SELECT revoked_at FROM issued_tokens WHERE id = $1', [decodeJwt(first.body.access_token).jti]);
      expect(row.revoked_at).toBeInstanceOf(Date);
    });

    it("refuses one client's code for another client, without burning it", async () => {
      const owner = await f.client();
      const other = await f.client();
      const { code, verifier } = await f.code(owner, user.id);
      const stolen = await f.post('/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: owner.redirectUri, code_verifier: verifier, client_id: other.clientId });
      expect(stolen.status).toBe(400);
      expect(stolen.body.error).toBe('invalid_grant');
      const own = await f.post('/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: owner.redirectUri, code_verifier: verifier, client_id: owner.clientId });
      expect(own.status).toBe(200);
    });
  });

  describe('refresh_token', () => {
    it('rotates on every use; presenting a rotated token revokes the family', async () => {
      const client = await f.client();
      const { code, verifier } = await f.code(client, user.id);
      const tokens = await oauth.processAuthorizationCodeResponse(as, { client_id: client.clientId }, await redeem(client, oauth.None(), code, verifier));
      const first = await oauth.refreshTokenGrantRequest(as, { client_id: client.clientId }, oauth.None(), tokens.refresh_token!, insecure);
      const rotated = await oauth.processRefreshTokenResponse(as, { client_id: client.clientId }, first);
      expect(rotated.refresh_token).toBeTruthy();
      expect(rotated.refresh_token).not.toBe(tokens.refresh_token);

      const reuse = await f.post('/oauth2/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: client.clientId });
      expect(reuse.status).toBe(400);
      expect(reuse.body.error).toBe('invalid_grant');
      // The whole family is gone, including the successor a thief may hold.
      const successor = await f.post('/oauth2/token', { grant_type: 'refresh_token', refresh_token: rotated.refresh_token!, client_id: client.clientId });
      expect(successor.status).toBe(400);
      expect(successor.body.error).toBe('invalid_grant');
    });

    it('refuses a client that may not use the refresh_token grant', async () => {
      const client = await f.client({ grantTypes: ['authorization_code'], issueRefreshToken: false });
      const res = await f.post('/oauth2/token', { grant_type: 'refresh_token', refresh_token: 'x'.repeat(43), client_id: client.clientId });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('unauthorized_client');
    });
  });

  describe('client_credentials', () => {
    it('issues an access token whose admin scope opens the admin API, and whose absence gets 403', async () => {
      const admin = await f.client({ type: 'confidential', grantTypes: ['client_credentials'], scopes: ['admin', 'reports'], redirectUris: [] });
      const response = await oauth.clientCredentialsGrantRequest(as, { client_id: admin.clientId }, oauth.ClientSecretBasic(admin.clientSecret!), { scope: 'admin' }, insecure);
      const tokens = await oauth.processClientCredentialsResponse(as, { client_id: admin.clientId }, response);
      expect(tokens.scope).toBe('admin');
      expect(tokens.refresh_token).toBeUndefined();
      expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: admin.clientId, client_id: admin.clientId });
      expect((await adminRequest(t, 'GET', '/admin/keys', undefined, tokens.access_token)).status).toBe(200);

      const narrow = await f.post('/oauth2/token', { grant_type: 'client_credentials', scope: 'reports' }, { authorization: basic(admin.clientId, admin.clientSecret!) });
      expect(narrow.status).toBe(200);
      expect((await adminRequest(t, 'GET', '/admin/keys', undefined, narrow.body.access_token)).status).toBe(403);

      const beyond = await f.post('/oauth2/token', { grant_type: 'client_credentials', scope: 'admin superuser' }, { authorization: basic(admin.clientId, admin.clientSecret!) });
      expect(beyond.status).toBe(400);
      expect(beyond.body.error).toBe('invalid_scope');
    });
  });

  describe('DPoP (RFC 9449)', () => {
    it('binds the access token and a public client\'s refresh token to the key', async () => {
      const client = await f.client();
      const keyPair = await generateKeyPair('ES256', { extractable: true });
      const dpop = oauth.DPoP({}, keyPair);
      const { code, verifier } = await f.code(client, user.id);
      const response = await redeem(client, oauth.None(), code, verifier, { DPoP: dpop });
      const tokens = await oauth.processAuthorizationCodeResponse(as, { client_id: client.clientId }, response);
      expect(tokens.token_type).toBe('dpop');
      const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
      expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt });

      const sameKey = await oauth.refreshTokenGrantRequest(as, { client_id: client.clientId }, oauth.None(), tokens.refresh_token!, { ...insecure, DPoP: dpop });
      const refreshed = await oauth.processRefreshTokenResponse(as, { client_id: client.clientId }, sameKey);
      expect(refreshed.token_type).toBe('dpop');

      // Without a proof, or with another key, the bound refresh token is refused.
      const bare = await f.post('/oauth2/token', { grant_type: 'refresh_token', refresh_token: refreshed.refresh_token!, client_id: client.clientId });
      expect(bare.status).toBe(400);
      const otherKey = oauth.DPoP({}, await generateKeyPair('ES256', { extractable: true }));
      const stolen = await oauth.refreshTokenGrantRequest(as, { client_id: client.clientId }, oauth.None(), refreshed.refresh_token!, { ...insecure, DPoP: otherKey });
      expect(stolen.status).toBe(400);
      expect(((await stolen.json()) as { error: string }).error).toBe('invalid_grant');
    });

    async function proof(overrides: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      return new SignJWT({ htm: 'POST', htu: `${t.baseUrl}/oauth2/token`, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), ...overrides })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey), ...header })
        .sign(privateKey);
    }

    it.each([
      ['a wrong htu', { htu: 'https://elsewhere.example.com/oauth2/token' }, {}],
      ['a wrong htm', { htm: 'GET' }, {}],
      ['an old iat', { iat: Math.floor(Date.now() / 1000) - 3600 }, {}],
      ['an iat more than a minute old', { iat: Math.floor(Date.now() / 1000) - 75 }, {}],
      ['a future iat', { iat: Math.floor(Date.now() / 1000) + 3600 }, {}],
      ['a wrong typ', {}, { typ: 'JWT' }],
    ])('refuses a proof with %s', async (_name, claims, header) => {
      const client = await f.client();
      const { code, verifier } = await f.code(client, user.id);
      const res = await f.post(
        '/oauth2/token',
        { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: verifier, client_id: client.clientId },
        { dpop: await proof(claims, header) },
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_dpop_proof');
    });

    it('accepts a proof made within the last minute', async () => {
      const client = await f.client();
      const { code, verifier } = await f.code(client, user.id);
      const res = await f.post(
        '/oauth2/token',
        { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: verifier, client_id: client.clientId },
        { dpop: await proof({ iat: Math.floor(Date.now() / 1000) - 45 }) },
      );
      expect(res.status).toBe(200);
      expect(res.body.token_type).toBe('DPoP');
    });

    it('refuses a replayed proof (same jti)', async () => {
      const client = await f.client();
      const replayed = await proof();
      const first = await f.code(client, user.id);
      const ok = await f.post('/oauth2/token', { grant_type: 'authorization_code', code: first.code, redirect_uri: client.redirectUri, code_verifier: first.verifier, client_id: client.clientId }, { dpop: replayed });
      expect(ok.status).toBe(200);
      const second = await f.code(client, user.id);
      const again = await f.post('/oauth2/token', { grant_type: 'authorization_code', code: second.code, redirect_uri: client.redirectUri, code_verifier: second.verifier, client_id: client.clientId }, { dpop: replayed });
      expect(again.status).toBe(400);
      expect(again.body.error).toBe('invalid_dpop_proof');
    });
  });

  describe('request hygiene', () => {
    it('answers 415 for a body that is not a form', async () => {
      const res = await fetch(`${t.baseUrl}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"client_credentials"}' });
      expect(res.status).toBe(415);
      expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    });

    it('refuses repeated parameters (RFC 6749 §3.2)', async () => {
      const res = await fetch(`${t.baseUrl}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=authorization_code&code=a&code=b&client_id=x',
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request', error_description: 'The code parameter is repeated.' });
    });

    it('names a missing or unknown grant type', async () => {
      expect((await f.post('/oauth2/token', { client_id: 'x' })).body).toMatchObject({ error: 'invalid_request' });
      const unknown = await f.post('/oauth2/token', { grant_type: 'password', client_id: 'x' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toBe('unsupported_grant_type');
    });
  });
});
