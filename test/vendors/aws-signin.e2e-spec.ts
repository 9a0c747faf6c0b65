import { Sha256 } from '@aws-crypto/sha256-js';
import { fromLoginCredentials } from '@aws-sdk/credential-provider-login';
import { SignatureV4 } from '@smithy/signature-v4';
import { XMLParser } from 'fast-xml-parser';
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, jwtVerify, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import { createHash, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseForm } from '../support/login-form.js';
import { basic, OAuthFixtures } from '../support/oauth-fixtures.js';
import { adminRequest, startTestApp, type TestApp } from '../support/test-app.js';

const SAME_DEVICE = 'arn:aws:signin:::devtools/same-device';
const CROSS_DEVICE = 'arn:aws:signin:::devtools/cross-device';
const REDIRECT_URI = 'http://127.0.0.1:49152/oauth/callback';
const SIGV4 = 'urn:aws:params:oauth:token-type:access_token_sigv4';

interface DpopKey {
  privateKey: KeyObject;
  jwk: JWK;
  jkt: string;
}

async function dpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/** aws-signin: AWS Sign-In's CreateOAuth2Token at POST /v1/token, its /v1/authorize, and its credentials at work. */
describe('aws-signin dialect', () => {
  let t: TestApp;
  let f: OAuthFixtures;
  let db: DataSource;
  let user: Awaited<ReturnType<OAuthFixtures['user']>>;
  let client: { clientId: string; redirectUri: string };
  let key: DpopKey;
  let resourceServer: { clientId: string; clientSecret?: string };
  const xml = new XMLParser({ parseTagValue: false });

  beforeAll(async () => {
    t = await startTestApp('vendor-aws-signin');
    f = new OAuthFixtures(t);
    db = t.app.get(DataSource);
    user = await f.user({ name: 'Ada Lovelace' });
    client = await f.client({ clientId: SAME_DEVICE, name: 'AWS CLI', profile: 'aws-signin', type: 'public', redirectUris: [REDIRECT_URI], scopes: ['openid', 'profile', 'email'] });
    resourceServer = await f.client({ type: 'confidential', grantTypes: ['client_credentials'], redirectUris: [] });
    key = await dpopKey();
  });
  afterAll(() => t?.close());

  const tokenUrl = () => `${t.baseUrl}/v1/token`;
  const proof = (signer: DpopKey = key, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    new SignJWT({ htm: 'POST', htu: tokenUrl(), jti: randomUUID(), ...claims })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: signer.jwk, ...header })
      .setIssuedAt()
      .sign(signer.privateKey);

  async function post(body: string, headers: Record<string, string>, signer: DpopKey | null = key): Promise<Reply> {
    const res = await fetch(tokenUrl(), { method: 'POST', headers: { ...(signer ? { dpop: await proof(signer) } : {}), ...headers }, body });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, headers: res.headers, text, body: type.startsWith('application/json') ? JSON.parse(text) : type.startsWith('application/xml') ? xml.parse(text) : text };
  }
  const postJson = (body: unknown, headers: Record<string, string> = {}, signer: DpopKey | null = key) =>
    post(JSON.stringify(body), { 'content-type': 'application/json', ...headers }, signer);
  const toXml = (root: string, members: Record<string, string>) => `<${root}>${Object.entries(members).map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</${root}>`;
  const postXml = (body: Record<string, string>, headers: Record<string, string> = {}, signer: DpopKey | null = key) =>
    post(toXml('CreateOAuth2TokenRequest', body), { 'content-type': 'application/xml', ...headers }, signer);

  /** A code (PKCE S256) for the CLI client and the request body that redeems it. */
  async function codeRequest(scope = 'openid profile email', of: { clientId: string; redirectUri: string } = client) {
    const { code, verifier } = await f.code(of, user.id, { scope });
    return { clientId: of.clientId, grantType: 'authorization_code', code, codeVerifier: verifier, redirectUri: of.redirectUri };
  }
  /** Redeems a fresh code with `signer`'s proof: the tokens. */
  async function signIn(signer: DpopKey = key, forUser = user) {
    const { code, verifier } = await f.code(client, forUser.id, { scope: 'openid profile email' });
    const res = await postJson({ clientId: SAME_DEVICE, grantType: 'authorization_code', code, codeVerifier: verifier, redirectUri: REDIRECT_URI }, {}, signer);
    expect(res.status).toBe(200);
    return res.body as { accessToken: { accessKeyId: string; secretAccessKey: string; sessionToken: string }; expiresIn: number; idToken: string; refreshToken: string; tokenType: string };
  }
  const refresh = (refreshToken: string, signer: DpopKey | null = key) => postJson({ clientId: SAME_DEVICE, grantType: 'refresh_token', refreshToken }, {}, signer);

  function expectError(res: Reply, status: number, exception: string, error: string, message?: string | RegExp) {
    expect(res.status).toBe(status);
    expect(res.headers.get('x-amzn-errortype')).toBe(exception);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(res.body)).toEqual(['error', 'message']);
    expect(res.body.error).toBe(error);
    if (message !== undefined) expect(res.body.message).toMatch(message);
  }

  async function userinfo(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, options: { path?: string; signingDate?: Date; tamper?: (headers: Record<string, string>) => void } = {}) {
    const url = new URL(`${t.baseUrl}${options.path ?? '/oauth2/userinfo'}`);
    const signer = new SignatureV4({ credentials, region: 'eu-west-1', service: 'execute-api', sha256: Sha256 });
    const signed = await signer.sign(
      { method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query: Object.fromEntries(url.searchParams), headers: { host: url.host } },
      { signingDate: options.signingDate },
    );
    const headers = { ...(signed.headers as Record<string, string>) };
    delete headers.host;
    options.tamper?.(headers);
    const res = await fetch(url, { headers });
    return { status: res.status, headers: res.headers, body: await res.json() };
  }

  /** The DPoP key thumbprints the live refresh tokens of this access key id's grant are bound to. */
  const refreshBindings = async (accessKeyId: string) =>
    (
      await db.query(
        `SELECT r.dpop_jkt FROM refresh_tokens r JOIN issued_tokens t ON t.grant_id = r.grant_id
         WHERE t.id = $1 AND r.consumed_at IS NULL AND r.revoked_at IS NULL`,
        [accessKeyId],
      )
    ).map((row: { dpop_jkt: string | null }) => row.dpop_jkt);
  const introspect = (token: string) => f.post('/oauth2/introspect', { token }, { authorization: basic(resourceServer.clientId, resourceServer.clientSecret!) });

  describe('authorization_code', () => {
    it('answers a JSON request with real SigV4 credentials, an ID token and a DPoP-bound refresh token, members in the vendor order', async () => {
      const res = await postJson(await codeRequest());
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('pragma')).toBe('no-cache');
      expect(Object.keys(res.body)).toEqual(['accessToken', 'expiresIn', 'idToken', 'refreshToken', 'tokenType']);
      expect(Object.keys(res.body.accessToken)).toEqual(['accessKeyId', 'secretAccessKey', 'sessionToken']);
      const { accessKeyId, secretAccessKey, sessionToken } = res.body.accessToken;
      expect(accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
      expect(secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
      expect(sessionToken).toEqual(expect.any(String));
      expect(res.body.expiresIn).toBe(900);
      expect(res.body.tokenType).toBe(SIGV4);
      expect(res.body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const jwks = createLocalJWKSet((await (await fetch(`${t.baseUrl}/oauth2/jwks`)).json()) as JSONWebKeySet);
      const { payload } = await jwtVerify(res.body.idToken, jwks, { issuer: t.baseUrl, audience: SAME_DEVICE });
      expect(payload).toMatchObject({ sub: user.id, name: 'Ada Lovelace', email: `${user.username}@example.com` });

      // Stored: the credentials' record (secret encrypted, never in clear) and the refresh token bound to the key.
      const [record] = await db.query(`SELECT kind, client_id, user_id, scope, secret_encrypted, expires_at - created_at AS lifetime FROM issued_tokens WHERE id = $1`, [accessKeyId]);
      expect(record).toMatchObject({ kind: 'sigv4_credentials', client_id: SAME_DEVICE, user_id: user.id, scope: 'openid profile email' });
      expect(record.lifetime).toMatchObject({ minutes: 15 });
      expect(Buffer.from(record.secret_encrypted).includes(Buffer.from(secretAccessKey))).toBe(false);
      expect(await refreshBindings(accessKeyId)).toEqual([key.jkt]);
    });

    it('reads an XML request and answers in XML (the request format), with the vendor member names', async () => {
      const request = await codeRequest();
      const res = await postXml(request);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.text).toMatch(
        /^<CreateOAuth2TokenResponse><accessToken><accessKeyId>ASIA[A-Z0-9]{16}<\/accessKeyId><secretAccessKey>[A-Za-z0-9+/]{40}<\/secretAccessKey><sessionToken>[^<]+<\/sessionToken><\/accessToken><expiresIn>900<\/expiresIn><idToken>[\w.-]+<\/idToken><refreshToken>[\w-]{43}<\/refreshToken><tokenType>urn:aws:params:oauth:token-type:access_token_sigv4<\/tokenType><\/CreateOAuth2TokenResponse>$/,
      );
    });

    it('negotiates: Accept XML for a JSON body, Accept JSON for an XML body (text/xml, text/json too), 406 for nothing acceptable', async () => {
      const xmlAnswer = await postJson(await codeRequest(), { accept: 'application/xml' });
      expect(xmlAnswer.status).toBe(200);
      expect(xmlAnswer.headers.get('content-type')).toMatch(/^application\/xml/);
      expect(xmlAnswer.body.CreateOAuth2TokenResponse.accessToken.accessKeyId).toMatch(/^ASIA/);

      const jsonAnswer = await post(toXml('CreateOAuth2TokenRequest', await codeRequest()), { 'content-type': 'text/xml', accept: 'text/json, application/xml;q=0.5' });
      expect(jsonAnswer.status).toBe(200);
      expect(jsonAnswer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(jsonAnswer.body.tokenType).toBe(SIGV4);

      const request = await codeRequest();
      const refused = await postJson(request, { accept: 'text/html' });
      expectError(refused, 406, 'ValidationException', 'INVALID_REQUEST', 'None of the media types in the Accept header can be produced.');
      // Nothing was redeemed: the code still works.
      expect((await postJson(request)).status).toBe(200);
    });

    it('refuses a form body with 415, and a malformed JSON or XML body with 400', async () => {
      const request = await codeRequest();
      const form = await post(new URLSearchParams(request).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
      expectError(form, 415, 'ValidationException', 'INVALID_REQUEST', /media type 'application\/x-www-form-urlencoded' is not supported/);
      expectError(await post('{"clientId":', { 'content-type': 'application/json' }), 400, 'ValidationException', 'INVALID_REQUEST', 'The request body is not valid JSON.');
      const doctype = await post('<!DOCTYPE x [<!ENTITY a "b">]><CreateOAuth2TokenRequest><clientId>&a;</clientId></CreateOAuth2TokenRequest>', { 'content-type': 'application/xml' });
      expect(doctype.status).toBe(400);
      expect(doctype.headers.get('x-amzn-errortype')).toBe('ValidationException');
      expect(doctype.headers.get('content-type')).toMatch(/^application\/xml/);
      expect(doctype.text).toBe('<ValidationException><error>INVALID_REQUEST</error><message>XML document type and entity declarations are not allowed.</message></ValidationException>');
      expect((await postJson(request)).status).toBe(200);
    });
  });

  describe('ValidationException (400 INVALID_REQUEST): the vendor constraints', () => {
    it.each([
      ['no clientId', { clientId: undefined }, "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null"],
      [
        'a clientId outside the pattern',
        { clientId: 'arn:aws:signin:::devtools/other' },
        "1 validation error detected: Value at 'clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws:signin:::devtools/(same-device|cross-device)",
      ],
      ['no grantType', { grantType: undefined }, "1 validation error detected: Value null at 'grantType' failed to satisfy constraint: Member must not be null"],
      [
        'grantType client_credentials',
        { grantType: 'client_credentials' },
        "1 validation error detected: Value at 'grantType' failed to satisfy constraint: Member must satisfy regular expression pattern: (authorization_code|refresh_token)",
      ],
      [
        'a code grant without code, codeVerifier and redirectUri',
        { code: undefined, codeVerifier: undefined, redirectUri: undefined },
        "3 validation errors detected: Value null at 'code' failed to satisfy constraint: Member must not be null when grantType is authorization_code; " +
          "Value null at 'codeVerifier' failed to satisfy constraint: Member must not be null when grantType is authorization_code; " +
          "Value null at 'redirectUri' failed to satisfy constraint: Member must not be null when grantType is authorization_code",
      ],
      ['a code of 513 characters', { code: 'c'.repeat(513) }, "1 validation error detected: Value at 'code' failed to satisfy constraint: Member must have length less than or equal to 512"],
      ['an empty code', { code: '' }, "1 validation error detected: Value at 'code' failed to satisfy constraint: Member must have length greater than or equal to 1"],
      ['a codeVerifier of 42 characters', { codeVerifier: 'v'.repeat(42) }, "1 validation error detected: Value at 'codeVerifier' failed to satisfy constraint: Member must have length greater than or equal to 43"],
      ['a codeVerifier of 129 characters', { codeVerifier: 'v'.repeat(129) }, "1 validation error detected: Value at 'codeVerifier' failed to satisfy constraint: Member must have length less than or equal to 128"],
      [
        'a codeVerifier with other characters',
        { codeVerifier: `${'v'.repeat(42)}+` },
        "1 validation error detected: Value at 'codeVerifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9\\-._~]+",
      ],
      ['a redirectUri of 2049 characters', { redirectUri: `http://x/${'r'.repeat(2040)}` }, "1 validation error detected: Value at 'redirectUri' failed to satisfy constraint: Member must have length less than or equal to 2048"],
      ['a number for code', { code: 12345 }, "1 validation error detected: Value at 'code' failed to satisfy constraint: Member must be a string"],
    ])('%s', async (_label, changes, message) => {
      const request = await codeRequest();
      const res = await postJson({ ...request, ...changes });
      expectError(res, 400, 'ValidationException', 'INVALID_REQUEST', message);
      expect(res.body.message).toBe(message);
      // Validation comes first: the code is still good.
      expect((await postJson(request)).status).toBe(200);
    });

    it('a refresh without refreshToken, or with one of 2049 characters', async () => {
      expectError(
        await postJson({ clientId: SAME_DEVICE, grantType: 'refresh_token' }),
        400,
        'ValidationException',
        'INVALID_REQUEST',
        "1 validation error detected: Value null at 'refreshToken' failed to satisfy constraint: Member must not be null when grantType is refresh_token",
      );
      expectError(
        await refresh('t'.repeat(2049)),
        400,
        'ValidationException',
        'INVALID_REQUEST',
        "1 validation error detected: Value at 'refreshToken' failed to satisfy constraint: Member must have length less than or equal to 2048",
      );
    });

    it('an unregistered client of the pattern, in JSON or (negotiated) XML', async () => {
      const request = { ...(await codeRequest()), clientId: CROSS_DEVICE };
      expectError(await postJson(request), 400, 'ValidationException', 'INVALID_REQUEST', 'Invalid client: the clientId is not a registered, enabled client.');
      const inXml = await postXml(request);
      expect(inXml.status).toBe(400);
      expect(inXml.headers.get('x-amzn-errortype')).toBe('ValidationException');
      expect(inXml.body).toEqual({ ValidationException: { error: 'INVALID_REQUEST', message: 'Invalid client: the clientId is not a registered, enabled client.' } });
    });
  });

  describe('DPoP', () => {
    it('is required with a code: no proof is a ValidationException and the code stays unused', async () => {
      const request = await codeRequest();
      expectError(await postJson(request, {}, null), 400, 'ValidationException', 'INVALID_REQUEST', 'Invalid DPoP proof: a DPoP proof is required.');
      expect((await postJson(request)).status).toBe(200);
    });

    it('refuses a proof for another URL, a replayed proof, and one with a private key; never asks for a nonce', async () => {
      const request = await codeRequest();
      const other = await proof(key, { htu: `${t.baseUrl}/oauth2/token` });
      const wrongUrl = await post(JSON.stringify(request), { 'content-type': 'application/json', dpop: other }, null);
      expectError(wrongUrl, 400, 'ValidationException', 'INVALID_REQUEST', 'Invalid DPoP proof: htu does not match the request URL.');
      expect(wrongUrl.headers.get('dpop-nonce')).toBeNull();

      const once = await proof();
      expect((await post(JSON.stringify(request), { 'content-type': 'application/json', dpop: once }, null)).status).toBe(200);
      const replay = await post(JSON.stringify(await codeRequest()), { 'content-type': 'application/json', dpop: once }, null);
      expectError(replay, 400, 'ValidationException', 'INVALID_REQUEST', 'Invalid DPoP proof: the DPoP proof has already been used.');

      const leaky = await proof(key, {}, { jwk: await exportJWK(key.privateKey) });
      const withPrivate = await post(JSON.stringify(await codeRequest()), { 'content-type': 'application/json', dpop: leaky }, null);
      expectError(withPrivate, 400, 'ValidationException', 'INVALID_REQUEST', /^Invalid DPoP proof: /);
    });

    it('binds the refresh token: a refresh with the same key works, with another key or none it is refused and the token stays good', async () => {
      const tokens = await signIn();
      const intruder = await dpopKey();
      expectError(await refresh(tokens.refreshToken, intruder), 400, 'AccessDeniedException', 'TOKEN_EXPIRED', 'The refresh token is bound to a DPoP key; send a proof of that key.');
      expectError(await refresh(tokens.refreshToken, null), 400, 'ValidationException', 'INVALID_REQUEST', 'Invalid DPoP proof: a DPoP proof is required.');

      const res = await refresh(tokens.refreshToken);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      // No idToken on refresh; everything else again, all new.
      expect(Object.keys(res.body)).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType']);
      expect(res.body.accessToken.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
      expect(res.body.accessToken.accessKeyId).not.toBe(tokens.accessToken.accessKeyId);
      expect(res.body.accessToken.secretAccessKey).not.toBe(tokens.accessToken.secretAccessKey);
      expect(res.body.refreshToken).not.toBe(tokens.refreshToken);
      expect(res.body).toMatchObject({ expiresIn: 900, tokenType: SIGV4 });
      expect(await refreshBindings(res.body.accessToken.accessKeyId)).toEqual([key.jkt]);
    });

    it('refreshes in XML too', async () => {
      const tokens = await signIn();
      const res = await postXml({ clientId: SAME_DEVICE, grantType: 'refresh_token', refreshToken: tokens.refreshToken });
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/^<CreateOAuth2TokenResponse><accessToken><accessKeyId>ASIA[A-Z0-9]{16}<\/accessKeyId>.*<\/accessToken><expiresIn>900<\/expiresIn><refreshToken>[\w-]{43}<\/refreshToken><tokenType>urn:aws:params:oauth:token-type:access_token_sigv4<\/tokenType><\/CreateOAuth2TokenResponse>$/);
    });
  });

  describe('AccessDeniedException (400)', () => {
    it('AUTHCODE_EXPIRED for an unknown, expired, reused or wrongly verified code', async () => {
      const unknown = { ...(await codeRequest()), code: 'no-such-code' };
      expectError(await postJson(unknown), 400, 'AccessDeniedException', 'AUTHCODE_EXPIRED', 'The authorization code is invalid.');

      const wrongVerifier = await codeRequest();
      expectError(await postJson({ ...wrongVerifier, codeVerifier: 'x'.repeat(43) }), 400, 'AccessDeniedException', 'AUTHCODE_EXPIRED', 'code_verifier does not match the code challenge.');
      expectError(await postJson({ ...wrongVerifier, redirectUri: 'http://127.0.0.1:1/other' }), 400, 'AccessDeniedException', 'AUTHCODE_EXPIRED');

      const used = await codeRequest();
      expect((await postJson(used)).status).toBe(200);
      expectError(await postJson(used), 400, 'AccessDeniedException', 'AUTHCODE_EXPIRED', 'The authorization code has already been used.');

      const { code, verifier } = await f.code(client, user.id, { expiresIn: 1 });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expectError(
        await postJson({ clientId: SAME_DEVICE, grantType: 'authorization_code', code, codeVerifier: verifier, redirectUri: REDIRECT_URI }),
        400,
        'AccessDeniedException',
        'AUTHCODE_EXPIRED',
        'The authorization code has expired.',
      );
    });

    it('TOKEN_EXPIRED for an unknown, expired, revoked or reused refresh token', async () => {
      expectError(await refresh('no-such-refresh-token'), 400, 'AccessDeniedException', 'TOKEN_EXPIRED', 'The refresh token is invalid.');

      const expired = await signIn();
      await db.query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE grant_id = (SELECT grant_id FROM issued_tokens WHERE id = $1)`, [
        expired.accessToken.accessKeyId,
      ]);
      expectError(await refresh(expired.refreshToken), 400, 'AccessDeniedException', 'TOKEN_EXPIRED', 'The refresh token has expired.');

      const revoked = await signIn();
      const [{ grant_id: grantId }] = await db.query(`SELECT grant_id FROM issued_tokens WHERE id = $1`, [revoked.accessToken.accessKeyId]);
      expect((await adminRequest(t, 'DELETE', `/admin/grants/${grantId}`)).status).toBe(204);
      expectError(await refresh(revoked.refreshToken), 400, 'AccessDeniedException', 'TOKEN_EXPIRED', 'The refresh token has been revoked.');

      const reused = await signIn();
      const next = await refresh(reused.refreshToken);
      expect(next.status).toBe(200);
      expectError(await refresh(reused.refreshToken), 400, 'AccessDeniedException', 'TOKEN_EXPIRED', 'The refresh token has already been used; its authorization is revoked.');
      // Reuse revoked the family: the successor is dead too.
      expectError(await refresh(next.body.refreshToken), 400, 'AccessDeniedException', 'TOKEN_EXPIRED');
    });

    it('USER_CREDENTIALS_CHANGED after a password change or when the user is disabled', async () => {
      const changing = await f.user();
      const tokens = await signIn(key, changing);
      expect((await adminRequest(t, 'PATCH', `/admin/users/${changing.id}`, { password: 'a brand new passphrase 42' })).status).toBe(200);
      const message = 'The user is disabled or has changed their password since this authorization; sign in again.';
      expectError(await refresh(tokens.refreshToken), 400, 'AccessDeniedException', 'USER_CREDENTIALS_CHANGED', message);
      // Signing in again after the change works.
      expect((await refresh((await signIn(key, changing)).refreshToken)).status).toBe(200);

      const leaving = await f.user();
      const theirs = await signIn(key, leaving);
      expect((await adminRequest(t, 'PATCH', `/admin/users/${leaving.id}`, { disabled: true })).status).toBe(200);
      expectError(await refresh(theirs.refreshToken), 400, 'AccessDeniedException', 'USER_CREDENTIALS_CHANGED', message);
    });

    it('INSUFFICIENT_PERMISSIONS for a client of another profile, or a client not allowed refresh_token', async () => {
      // An ARN-named client that is not an aws-signin client may not use this endpoint.
      const standard = await f.client({ clientId: CROSS_DEVICE, profile: 'standard', type: 'public', redirectUris: [REDIRECT_URI] });
      expectError(await postJson(await codeRequest('openid', standard)), 400, 'AccessDeniedException', 'INSUFFICIENT_PERMISSIONS', 'This client is not registered for this endpoint.');
      expect((await adminRequest(t, 'DELETE', `/admin/clients/${encodeURIComponent(CROSS_DEVICE)}`)).status).toBe(204);

      // An aws-signin client cannot be configured without refresh tokens (the vendor always answers one).
      expect((await adminRequest(t, 'PATCH', `/admin/clients/${encodeURIComponent(SAME_DEVICE)}`, { grantTypes: ['authorization_code'] })).status).toBe(400);
    });
  });

  describe('the credentials at work', () => {
    it('sign a request to /oauth2/userinfo (any region and service) that is accepted; tampering, staleness and a foreign session token are 401', async () => {
      const { accessToken } = await signIn();
      const ok = await userinfo(accessToken);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('cache-control')).toBe('no-store');
      expect(ok.body).toEqual({ sub: user.id, name: 'Ada Lovelace', email: `${user.username}@example.com` });

      const refused = (res: { status: number; headers: Headers; body: any }) => {
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ error: 'invalid_token', error_description: expect.any(String) });
        expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      };
      refused(await userinfo(accessToken, { tamper: (h) => (h.authorization = h.authorization!.replace(/Signature=(.)/, (_m, c: string) => `Signature=${c === 'a' ? 'b' : 'a'}`)) }));
      refused(await userinfo(accessToken, { tamper: (h) => (h['x-amz-date'] = '20200101T000000Z') }));
      refused(await userinfo(accessToken, { signingDate: new Date(Date.now() - 16 * 60_000) }));
      refused(await userinfo({ ...accessToken, secretAccessKey: accessToken.secretAccessKey.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }));
      refused(await userinfo({ ...accessToken, sessionToken: undefined }));
      const other = await signIn();
      refused(await userinfo({ ...accessToken, sessionToken: other.accessToken.sessionToken }));
      // A payload hash other than the one that was signed.
      refused(await userinfo(accessToken, { tamper: (h) => (h['x-amz-content-sha256'] = createHash('sha256').update('x').digest('hex')) }));
    });

    it('are refused once their grant is revoked', async () => {
      const { accessToken } = await signIn();
      const [{ grant_id: grantId }] = await db.query(`SELECT grant_id FROM issued_tokens WHERE id = $1`, [accessToken.accessKeyId]);
      expect((await userinfo(accessToken)).status).toBe(200);
      expect((await adminRequest(t, 'DELETE', `/admin/grants/${grantId}`)).status).toBe(204);
      expect((await userinfo(accessToken)).status).toBe(401);
    });

    it('resolve by access key id at /oauth2/introspect', async () => {
      const { accessToken } = await signIn();
      const res = await introspect(accessToken.accessKeyId);
      expect(res.status).toBe(200);
      const now = Math.floor(Date.now() / 1000);
      expect(res.body).toEqual({
        active: true,
        scope: 'openid profile email',
        client_id: SAME_DEVICE,
        username: user.username,
        token_type: SIGV4,
        token_use: 'access_token',
        exp: expect.any(Number),
        iat: expect.any(Number),
        sub: user.id,
        iss: t.baseUrl,
        jti: accessToken.accessKeyId,
      });
      expect(res.body.exp - res.body.iat).toBe(900);
      expect(Math.abs(res.body.iat - now)).toBeLessThan(30);
      expect((await introspect(accessToken.sessionToken)).body).toMatchObject({ active: true, jti: accessToken.accessKeyId });
      expect((await introspect('ASIAAAAAAAAAAAAAAAAA')).body).toEqual({ active: false });
      const [{ grant_id: grantId }] = await db.query(`SELECT grant_id FROM issued_tokens WHERE id = $1`, [accessToken.accessKeyId]);
      await adminRequest(t, 'DELETE', `/admin/grants/${grantId}`);
      expect((await introspect(accessToken.accessKeyId)).body).toEqual({ active: false });
    });
  });

  describe('GET /v1/authorize', () => {
    it('takes AWS parameters (code_challenge_method=SHA-256), shows the same sign-in page, and its code redeems at /v1/token', async () => {
      const verifier = 'v'.repeat(20) + randomUUID().replace(/-/g, '');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const url = new URL(`${t.baseUrl}/v1/authorize`);
      for (const [k, v] of Object.entries({ response_type: 'code', client_id: SAME_DEVICE, state: 'st-123', code_challenge: challenge, code_challenge_method: 'SHA-256', scope: 'openid', redirect_uri: REDIRECT_URI })) {
        url.searchParams.set(k, v);
      }
      const page = await fetch(url, { redirect: 'manual' });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      const form = parseForm(html);
      expect(form.action).toBe('/oauth2/authorize');
      expect(html).toContain('AWS CLI');

      const cookies = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const login = await fetch(`${t.baseUrl}/oauth2/authorize`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
        body: new URLSearchParams({ ...form.fields, username: user.username, password: user.password }),
      });
      expect(login.status).toBe(303);
      const location = new URL(login.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
      expect(location.searchParams.get('state')).toBe('st-123');
      expect(location.searchParams.get('iss')).toBe(t.baseUrl);
      const code = location.searchParams.get('code')!;

      const res = await postJson({ clientId: SAME_DEVICE, grantType: 'authorization_code', code, codeVerifier: verifier, redirectUri: REDIRECT_URI });
      expect(res.status).toBe(200);
      expect(res.body.accessToken.accessKeyId).toMatch(/^ASIA/);
      expect((await jwtVerify(res.body.idToken, createLocalJWKSet((await (await fetch(`${t.baseUrl}/oauth2/jwks`)).json()) as JSONWebKeySet))).payload.sub).toBe(user.id);
    });

    it('answers an unknown client with the error page, as /oauth2/authorize does', async () => {
      const res = await fetch(`${t.baseUrl}/v1/authorize?response_type=code&client_id=${encodeURIComponent(CROSS_DEVICE)}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    });
  });

  describe("AWS's own credential provider (@aws-sdk/credential-provider-login)", () => {
    it('refreshes expiring cached credentials against POST /v1/token with a DPoP proof, rewrites its cache, and the new credentials work', async () => {
      const tokens = await signIn();
      const folder = mkdtempSync(join(tmpdir(), 'aws-login-'));
      const loginSession = `arn:aws:iam::123456789012:user/${user.username}`;
      const configFilepath = join(folder, 'config');
      const credentialsFilepath = join(folder, 'credentials');
      writeFileSync(configFilepath, `[profile latchkey]\nlogin_session = ${loginSession}\nregion = eu-west-1\n`);
      writeFileSync(credentialsFilepath, '');
      const cacheFile = join(folder, `${createHash('sha256').update(loginSession, 'utf8').digest('hex')}.json`);
      const expiresAt = new Date(Date.now() + 2 * 60_000).toISOString();
      writeFileSync(
        cacheFile,
        JSON.stringify({
          accessToken: { ...tokens.accessToken, accountId: '123456789012', expiresAt },
          tokenType: tokens.tokenType,
          clientId: SAME_DEVICE,
          refreshToken: tokens.refreshToken,
          idToken: tokens.idToken,
          dpopKey: key.privateKey.export({ format: 'pem', type: 'sec1' }).toString(),
        }),
      );

      const previous = process.env.AWS_LOGIN_CACHE_DIRECTORY;
      process.env.AWS_LOGIN_CACHE_DIRECTORY = folder;
      try {
        const provider = fromLoginCredentials({ profile: 'latchkey', configFilepath, filepath: credentialsFilepath, clientConfig: { endpoint: t.baseUrl, region: 'eu-west-1' } });
        const credentials = await provider();
        expect(credentials.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
        expect(credentials.accessKeyId).not.toBe(tokens.accessToken.accessKeyId);
        expect(credentials.secretAccessKey).not.toBe(tokens.accessToken.secretAccessKey);
        expect(credentials.sessionToken).not.toBe(tokens.accessToken.sessionToken);
        expect(credentials.accountId).toBe('123456789012');
        expect(credentials.expiration!.getTime() - Date.now()).toBeGreaterThan(880_000);

        // The cache now holds Latchkey's answer: the new credentials and the rotated refresh token.
        const cache = JSON.parse(readFileSync(cacheFile, 'utf8'));
        expect(cache.accessToken).toMatchObject({ accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken, accountId: '123456789012' });
        expect(cache.refreshToken).not.toBe(tokens.refreshToken);
        expect(await refreshBindings(credentials.accessKeyId)).toEqual([key.jkt]);

        // And they work: a SigV4-signed userinfo call.
        const me = await userinfo(credentials);
        expect(me.status).toBe(200);
        expect(me.body).toMatchObject({ sub: user.id });

        // The old refresh token was rotated: presenting it again is reuse, which ends the session.
        expectError(await refresh(tokens.refreshToken), 400, 'AccessDeniedException', 'TOKEN_EXPIRED');
        expect((await userinfo(credentials)).status).toBe(401);
      } finally {
        if (previous === undefined) delete process.env.AWS_LOGIN_CACHE_DIRECTORY;
        else process.env.AWS_LOGIN_CACHE_DIRECTORY = previous;
        rmSync(folder, { recursive: true, force: true });
      }
    });
  });

  it('refuses to configure an aws-signin client without refresh tokens, which the vendor always returns', async () => {
    const res = await adminRequest(t, 'PATCH', `/admin/clients/${encodeURIComponent(SAME_DEVICE)}`, { issueRefreshToken: false });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'grantTypes', message: expect.stringContaining('issueRefreshToken') }]);
  });

  it('TooManyRequestsError 429 INVALID_REQUEST with Retry-After over RATE_LIMIT_PER_MINUTE', async () => {
    const limited = await startTestApp('vendor-aws-signin-429', { RATE_LIMIT_PER_MINUTE: '2' });
    try {
      const body = JSON.stringify({ clientId: SAME_DEVICE, grantType: 'refresh_token', refreshToken: 'r' });
      const send = () => fetch(`${limited.baseUrl}/v1/token`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body });
      expect((await send()).status).toBe(400);
      expect((await send()).status).toBe(400);
      const res = await send();
      expect(res.status).toBe(429);
      expect(res.headers.get('x-amzn-errortype')).toBe('TooManyRequestsError');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await res.json()).toEqual({ error: 'INVALID_REQUEST', message: expect.stringMatching(/^Too many requests\. Try again in \d+ seconds?\.$/) });
    } finally {
      await limited.close();
    }
  });

  it('shows the dialect in Swagger under its own tag, with JSON and XML examples and the error shapes', async () => {
    const doc = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as any;
    const token = doc.paths['/v1/token'].post;
    expect(token.tags).toEqual(['aws-signin']);
    expect(Object.keys(token.requestBody.content)).toEqual(['application/json', 'text/json', 'application/xml', 'text/xml']);
    expect(token.requestBody.content['application/xml'].examples.refresh_token.value).toMatch(/^<CreateOAuth2TokenRequest>/);
    expect(token.responses['200'].content['application/json'].examples.authorization_code.value.tokenType).toBe(SIGV4);
    expect(token.responses['200'].content['application/xml'].examples.refresh_token.value).toMatch(/^<CreateOAuth2TokenResponse>/);
    for (const status of ['400', '406', '415', '429', '500']) expect(token.responses[status].headers['x-amzn-ErrorType']).toBeDefined();
    expect(doc.paths['/v1/authorize'].get.tags).toEqual(['aws-signin']);
  });
});
