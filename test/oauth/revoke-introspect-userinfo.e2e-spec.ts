import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, startTestApp, type TestApp } from '../support/test-app.js';

// RFC 7636 Appendix B.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const ALL_SCOPES = 'openid profile email offline_access';

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

interface Credentials {
  clientId: string;
  secret?: string;
}

interface DpopKey {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

/**
 * POST /oauth2/revoke, POST /oauth2/introspect and GET/POST /oauth2/userinfo, with real
 * tokens from the real token endpoint (codes issued through the admin API).
 */
describe('revocation, introspection and userinfo', () => {
  let t: TestApp;
  let dataSource: DataSource;
  let adaId: string;
  let bobId: string;
  const web: Credentials = { clientId: 'web' };
  const other: Credentials = { clientId: 'other' };
  const spa: Credentials = { clientId: 'spa' };

  beforeAll(async () => {
    t = await startTestApp('revoke_introspect_userinfo');
    dataSource = t.app.get(DataSource);
    const users = await Promise.all([
      adminRequest(t, 'POST', '/admin/users', { username: 'ada', password: 'correct horse battery', name: 'Ada Lovelace', email: 'ada@example.com' }),
      adminRequest(t, 'POST', '/admin/users', { username: 'bob', password: 'correct horse battery', name: 'Bob' }),
    ]);
    [adaId, bobId] = users.map((u) => {
      expect(u.status).toBe(201);
      return u.body.id as string;
    });
    for (const [credentials, type, redirect] of [
      [web, 'confidential', 'https://web.example/cb'],
      [other, 'confidential', 'https://other.example/cb'],
      [spa, 'public', 'https://spa.example/cb'],
    ] as const) {
      const res = await adminRequest(t, 'POST', '/admin/clients', {
        clientId: credentials.clientId,
        name: credentials.clientId,
        profile: 'standard',
        type,
        redirectUris: [redirect],
        grantTypes: type === 'confidential' ? ['authorization_code', 'refresh_token', 'client_credentials'] : ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'profile', 'email', 'offline_access'],
      });
      expect(res.status).toBe(201);
      if (type === 'confidential') credentials.secret = res.body.clientSecret;
    }
  });
  afterAll(() => t?.close());

  // ---- helpers -------------------------------------------------------------------------

  async function call(method: string, path: string, init: { form?: Record<string, string>; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...init.headers };
    let body = init.body;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(`${t.baseUrl}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  const basic = (c: Credentials) => ({
    authorization: `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.secret ?? '')}`).toString('base64')}`,
  });

  /** A form call authenticated as the client: Basic for confidential clients, client_id alone for public ones. */
  function asClient(c: Credentials, path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    return c.secret ? call('POST', path, { form, headers: { ...basic(c), ...headers } }) : call('POST', path, { form: { ...form, client_id: c.clientId }, headers });
  }

  const revoke = (c: Credentials, form: Record<string, string>) => asClient(c, '/oauth2/revoke', form);
  const introspect = (c: Credentials, form: Record<string, string>) => asClient(c, '/oauth2/introspect', form);
  const userinfo = (token: string, scheme = 'Bearer', headers: Record<string, string> = {}) =>
    call('GET', '/oauth2/userinfo', { headers: { authorization: `${scheme} ${token}`, ...headers } });
  const refresh = (c: Credentials, refreshToken: string, headers: Record<string, string> = {}) =>
    asClient(c, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: refreshToken }, headers);

  async function newDpopKey(): Promise<DpopKey> {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
  }

  function proof(key: DpopKey, htm: string, path: string, over: { ath?: string; accessToken?: string; jti?: string } = {}) {
    const ath = over.ath ?? (over.accessToken ? createHash('sha256').update(over.accessToken).digest('base64url') : undefined);
    return new SignJWT({ htm, htu: `${t.baseUrl}${path}`, jti: over.jti ?? randomUUID(), ...(ath ? { ath } : {}) })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
      .setIssuedAt()
      .sign(key.privateKey);
  }

  /** Tokens through the real code flow: a code from the admin API, exchanged at POST /oauth2/token. */
  async function tokensFor(
    c: Credentials,
    { scope = ALL_SCOPES, userId = adaId, dpop }: { scope?: string; userId?: string; dpop?: DpopKey } = {},
  ): Promise<{ access_token: string; refresh_token: string; token_type: string; id_token?: string }> {
    const redirectUri = `https://${c.clientId}.example/cb`;
    const code = await adminRequest(t, 'POST', '/admin/authorization-codes', {
      clientId: c.clientId,
      userId,
      redirectUri,
      scope,
      codeChallenge: CHALLENGE,
      codeChallengeMethod: 'S256',
    });
    expect(code.status, JSON.stringify(code.body)).toBe(201);
    const headers: Record<string, string> = dpop ? { dpop: await proof(dpop, 'POST', '/oauth2/token') } : {};
    const res = await asClient(c, '/oauth2/token', { grant_type: 'authorization_code', code: code.body.code, redirect_uri: redirectUri, code_verifier: VERIFIER }, headers);
    expect(res.status, res.text).toBe(200);
    return res.body;
  }

  async function clientCredentialsToken(c: Credentials, scope: string): Promise<string> {
    const res = await asClient(c, '/oauth2/token', { grant_type: 'client_credentials', scope });
    expect(res.status, res.text).toBe(200);
    return res.body.access_token;
  }

  const inactive = async (token: string, c: Credentials = web) => {
    const res = await introspect(c, { token });
    expect(res.status).toBe(200);
    return res.body.active === false && Object.keys(res.body).length === 1;
  };

  it('documents the three endpoints in the OpenAPI document under oauth2, with form bodies', async () => {
    const doc = (await call('GET', '/docs-json')).body;
    const revokeOp = doc.paths['/oauth2/revoke'].post;
    const introspectOp = doc.paths['/oauth2/introspect'].post;
    const userinfoPath = doc.paths['/oauth2/userinfo'];
    for (const op of [revokeOp, introspectOp, userinfoPath.get, userinfoPath.post]) expect(op.tags).toEqual(['oauth2']);
    for (const op of [revokeOp, introspectOp, userinfoPath.post]) expect(Object.keys(op.requestBody.content)).toEqual(['application/x-www-form-urlencoded']);
    expect(Object.keys(introspectOp.responses)).toEqual(expect.arrayContaining(['200', '400', '401']));
    expect(Object.keys(userinfoPath.get.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    expect(doc.components.schemas.IntrospectionResponseBody.properties).toHaveProperty('cnf');
    expect(doc.components.schemas.UserinfoResponseBody.required).toEqual(['sub']);
  });

  // ---- POST /oauth2/revoke -------------------------------------------------------------

  describe('POST /oauth2/revoke', () => {
    it('revokes an access token alone: introspection says inactive, userinfo 401, the refresh token still works', async () => {
      const tokens = await tokensFor(web);
      expect((await userinfo(tokens.access_token)).status).toBe(200);

      const res = await revoke(web, { token: tokens.access_token, token_type_hint: 'access_token' });
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      expect(res.headers.get('cache-control')).toBe('no-store');

      expect(await inactive(tokens.access_token)).toBe(true);
      const info = await userinfo(tokens.access_token);
      expect(info.status).toBe(401);
      expect(info.body.error).toBe('invalid_token');
      expect(info.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);

      const { jti } = decodeJwt(tokens.access_token);
      const [row] = await dataSource.query(`SELECT revoked_at FROM issued_tokens WHERE id = $1`, [jti]);
      expect(row.revoked_at).not.toBeNull();
      // Only that token: the family lives on.
      const refreshed = await refresh(web, tokens.refresh_token);
      expect(refreshed.status).toBe(200);
      expect((await userinfo(refreshed.body.access_token)).status).toBe(200);
    });

    it.each([['refresh_token'], ['access_token'], [undefined]])(
      'revokes a refresh token with its whole family (hint %s): the next refresh fails, the access token is inactive',
      async (hint) => {
        const tokens = await tokensFor(web);
        const res = await revoke(web, { token: tokens.refresh_token, ...(hint ? { token_type_hint: hint } : {}) });
        expect(res.status).toBe(200);
        expect(res.text).toBe('');

        const again = await refresh(web, tokens.refresh_token);
        expect(again.status).toBe(400);
        expect(again.body.error).toBe('invalid_grant');
        expect(await inactive(tokens.access_token)).toBe(true);
        expect(await inactive(tokens.refresh_token)).toBe(true);
        expect((await userinfo(tokens.access_token)).status).toBe(401);
      },
    );

    it('a rotated family dies as a whole: revoking the newest refresh token kills the earlier access tokens too', async () => {
      const first = await tokensFor(web);
      const second = (await refresh(web, first.refresh_token)).body;
      expect((await revoke(web, { token: second.refresh_token })).status).toBe(200);
      expect(await inactive(first.access_token)).toBe(true);
      expect(await inactive(second.access_token)).toBe(true);
      expect((await refresh(web, second.refresh_token)).status).toBe(400);
    });

    it("answers 200 for another client's tokens but revokes nothing", async () => {
      const tokens = await tokensFor(web);
      for (const token of [tokens.access_token, tokens.refresh_token]) {
        const res = await revoke(other, { token });
        expect(res.status).toBe(200);
        expect(res.text).toBe('');
      }
      // A public client cannot either.
      expect((await revoke(spa, { token: tokens.refresh_token })).status).toBe(200);
      expect((await introspect(web, { token: tokens.access_token })).body.active).toBe(true);
      expect((await introspect(web, { token: tokens.refresh_token })).body.active).toBe(true);
      expect((await refresh(web, tokens.refresh_token)).status).toBe(200);
    });

    it('lets a public client revoke its own refresh token with client_id alone', async () => {
      const tokens = await tokensFor(spa);
      const res = await revoke(spa, { token: tokens.refresh_token, token_type_hint: 'refresh_token' });
      expect(res.status).toBe(200);
      expect((await refresh(spa, tokens.refresh_token)).status).toBe(400);
      expect((await userinfo(tokens.access_token)).status).toBe(401);
    });

    it('answers 200 for unknown or malformed tokens and an unknown hint', async () => {
      for (const token of ['no-such-token', 'a.b.c', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'x'.repeat(9000)]) {
        const res = await revoke(web, { token, token_type_hint: 'id_token' });
        expect(res.status, token.slice(0, 20)).toBe(200);
      }
    });

    it('refuses a request without token (400 invalid_request)', async () => {
      const res = await revoke(web, { token_type_hint: 'access_token' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_request', error_description: 'The token parameter is required.' });
    });

    it('authenticates the client like the token endpoint: wrong secret 401 with a Basic challenge, none at all 401, a confidential client without its secret 401', async () => {
      const tokens = await tokensFor(web);
      const wrong = await call('POST', '/oauth2/revoke', { form: { token: tokens.refresh_token }, headers: basic({ clientId: 'web', secret: 'wrong' }) });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toBe('invalid_client');
      expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);

      const anonymous = await call('POST', '/oauth2/revoke', { form: { token: tokens.refresh_token } });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error).toBe('invalid_client');

      const noSecret = await call('POST', '/oauth2/revoke', { form: { token: tokens.refresh_token, client_id: 'web' } });
      expect(noSecret.status).toBe(401);

      const post = await call('POST', '/oauth2/revoke', { form: { token: tokens.refresh_token, client_id: 'web', client_secret: 'wrong' } });
      expect(post.status).toBe(401);
      expect(post.headers.get('www-authenticate')).toBeNull();
      // Nothing was revoked by any of them.
      expect((await introspect(web, { token: tokens.refresh_token })).body.active).toBe(true);
    });

    it('wants a form body (415 otherwise) and refuses repeated parameters', async () => {
      const json = await call('POST', '/oauth2/revoke', { body: JSON.stringify({ token: 'x' }), headers: { 'content-type': 'application/json', ...basic(web) } });
      expect(json.status).toBe(415);
      const repeated = await call('POST', '/oauth2/revoke', {
        body: 'token=a&token=b',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic(web) },
      });
      expect(repeated.status).toBe(400);
      expect(repeated.body.error).toBe('invalid_request');
    });
  });

  // ---- POST /oauth2/introspect ---------------------------------------------------------

  describe('POST /oauth2/introspect', () => {
    it('describes an active access token exactly (Basic authentication, no-store)', async () => {
      const tokens = await tokensFor(web);
      const claims = decodeJwt(tokens.access_token);
      const res = await introspect(web, { token: tokens.access_token, token_type_hint: 'access_token' });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.body).toEqual({
        active: true,
        scope: ALL_SCOPES,
        client_id: 'web',
        username: 'ada',
        token_type: 'Bearer',
        token_use: 'access_token',
        exp: claims.exp,
        iat: claims.iat,
        sub: adaId,
        aud: t.baseUrl,
        iss: t.baseUrl,
        jti: claims.jti,
      });
      expect(claims.exp! - claims.iat!).toBe(3600);
    });

    it('describes an active refresh token exactly (client_secret_post, wrong hint)', async () => {
      const tokens = await tokensFor(web, { scope: 'openid offline_access', userId: bobId });
      const before = Math.floor(Date.now() / 1000);
      const res = await call('POST', '/oauth2/introspect', {
        form: { token: tokens.refresh_token, token_type_hint: 'access_token', client_id: 'web', client_secret: web.secret! },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        active: true,
        scope: 'openid offline_access',
        client_id: 'web',
        username: 'bob',
        token_use: 'refresh_token',
        exp: expect.any(Number),
        iat: expect.any(Number),
        sub: bobId,
        iss: t.baseUrl,
      });
      expect(Math.abs(res.body.iat - before)).toBeLessThanOrEqual(5);
      expect(res.body.exp - res.body.iat).toBeGreaterThanOrEqual(2_592_000 - 1);
      expect(res.body.exp - res.body.iat).toBeLessThanOrEqual(2_592_000 + 1);
    });

    it('describes a client_credentials token: sub is the client, no username', async () => {
      const token = await clientCredentialsToken(web, 'openid profile');
      const res = await introspect(web, { token });
      expect(res.body).toMatchObject({ active: true, client_id: 'web', sub: 'web', token_type: 'Bearer', token_use: 'access_token', scope: 'openid profile' });
      expect(res.body).not.toHaveProperty('username');
    });

    it('describes a DPoP-bound access token with token_type DPoP and cnf.jkt', async () => {
      const key = await newDpopKey();
      const tokens = await tokensFor(web, { dpop: key });
      expect(tokens.token_type).toBe('DPoP');
      const res = await introspect(web, { token: tokens.access_token });
      expect(res.body).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
      // A confidential client's refresh token is not bound (RFC 9449 §5).
      expect((await introspect(web, { token: tokens.refresh_token })).body).not.toHaveProperty('cnf');
    });

    it("answers {active:false} for another client's tokens, unknown tokens and rotated refresh tokens", async () => {
      const tokens = await tokensFor(web);
      expect(await inactive(tokens.access_token, other)).toBe(true);
      expect(await inactive(tokens.refresh_token, other)).toBe(true);
      expect(await inactive('no-such-token')).toBe(true);
      expect(await inactive('eyJhbGciOiJFUzI1NiJ9.e30.c2ln')).toBe(true);
      const rotated = await refresh(web, tokens.refresh_token);
      expect(rotated.status).toBe(200);
      expect(await inactive(tokens.refresh_token)).toBe(true);
      expect((await introspect(web, { token: rotated.body.refresh_token })).body.active).toBe(true);
    });

    it('answers {active:false} once an access token has expired', async () => {
      const res = await adminRequest(t, 'POST', '/admin/clients', {
        clientId: 'brief',
        name: 'brief',
        profile: 'standard',
        type: 'confidential',
        redirectUris: [],
        grantTypes: ['client_credentials'],
        scopes: ['api'],
        // Long enough to be seen active on a machine busy with the other suites.
        accessTokenTtl: 3,
      });
      expect(res.status).toBe(201);
      const brief = { clientId: 'brief', secret: res.body.clientSecret as string };
      const issuedAt = Date.now();
      const token = await clientCredentialsToken(brief, 'api');
      expect((await introspect(brief, { token })).body.active).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, issuedAt + 4100 - Date.now())));
      expect(await inactive(token, brief)).toBe(true);
    });

    it('refuses public clients (401 invalid_client) and wrong secrets (401 with a Basic challenge)', async () => {
      const tokens = await tokensFor(spa);
      const pub = await introspect(spa, { token: tokens.access_token });
      expect(pub.status).toBe(401);
      expect(pub.body.error).toBe('invalid_client');
      expect(pub.body).not.toHaveProperty('active');

      const wrong = await call('POST', '/oauth2/introspect', { form: { token: tokens.access_token }, headers: basic({ clientId: 'web', secret: 'nope' }) });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toBe('invalid_client');
      expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic realm=/);

      const unknown = await call('POST', '/oauth2/introspect', { form: { token: tokens.access_token }, headers: basic({ clientId: 'ghost', secret: 'nope' }) });
      expect(unknown.status).toBe(401);
    });

    it('refuses a request without token (400 invalid_request)', async () => {
      const res = await introspect(web, {});
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    });
  });

  // ---- GET/POST /oauth2/userinfo -------------------------------------------------------

  describe('GET and POST /oauth2/userinfo', () => {
    it('answers sub, name and email by scope for a bearer token in the header (GET and POST)', async () => {
      const tokens = await tokensFor(web);
      const res = await userinfo(tokens.access_token);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toEqual({ sub: adaId, name: 'Ada Lovelace', email: 'ada@example.com' });
      // The sub is the ID token's.
      expect(decodeJwt(tokens.id_token!).sub).toBe(adaId);

      const post = await call('POST', '/oauth2/userinfo', { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(post.status).toBe(200);
      expect(post.body).toEqual(res.body);
    });

    it('takes the token from a form body (POST)', async () => {
      const tokens = await tokensFor(web);
      const res = await call('POST', '/oauth2/userinfo', { form: { access_token: tokens.access_token } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ sub: adaId, name: 'Ada Lovelace', email: 'ada@example.com' });
    });

    it.each([
      ['openid', {}],
      ['openid profile', { name: 'Ada Lovelace' }],
      ['openid email', { email: 'ada@example.com' }],
    ])('answers only what scope %s allows', async (scope, claims) => {
      const tokens = await tokensFor(web, { scope });
      const res = await userinfo(tokens.access_token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ sub: adaId, ...claims });
    });

    it('leaves out an email the user does not have', async () => {
      const tokens = await tokensFor(web, { userId: bobId });
      expect((await userinfo(tokens.access_token)).body).toEqual({ sub: bobId, name: 'Bob' });
    });

    it('refuses a token without scope openid: 403 insufficient_scope with a challenge', async () => {
      const tokens = await tokensFor(web, { scope: 'profile email' });
      const res = await userinfo(tokens.access_token);
      expect(res.status).toBe(403);
      expect(res.body.error).toBe('insufficient_scope');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope"/);
    });

    it('refuses a client_credentials token: there is no user (403 insufficient_scope)', async () => {
      const token = await clientCredentialsToken(web, 'openid profile');
      const res = await userinfo(token);
      expect(res.status).toBe(403);
      expect(res.body.error).toBe('insufficient_scope');
    });

    it('refuses no token, a garbage token, and a token of a disabled user (401 invalid_token)', async () => {
      const none = await call('GET', '/oauth2/userinfo');
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect((await userinfo('not-a-token')).status).toBe(401);

      const user = await adminRequest(t, 'POST', '/admin/users', { username: 'carol', password: 'correct horse battery', name: 'Carol' });
      const tokens = await tokensFor(web, { userId: user.body.id });
      expect((await userinfo(tokens.access_token)).status).toBe(200);
      expect((await adminRequest(t, 'PATCH', `/admin/users/${user.body.id}`, { disabled: true })).status).toBe(200);
      const res = await userinfo(tokens.access_token);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_token');
    });

    it('refuses the token in the header and the body at once (400), and a body token with a JSON body (415)', async () => {
      const tokens = await tokensFor(web);
      const both = await call('POST', '/oauth2/userinfo', { form: { access_token: tokens.access_token }, headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(both.status).toBe(400);
      expect(both.body.error).toBe('invalid_request');
      const json = await call('POST', '/oauth2/userinfo', { body: JSON.stringify({ access_token: tokens.access_token }), headers: { 'content-type': 'application/json' } });
      expect(json.status).toBe(415);
    });

    describe('DPoP-bound tokens', () => {
      let key: DpopKey;
      let token: string;

      beforeAll(async () => {
        key = await newDpopKey();
        token = (await tokensFor(spa, { dpop: key })).access_token;
        expect(decodeJwt(token).cnf).toEqual({ jkt: key.jkt });
      });

      it('accepts the DPoP scheme with a proof of the bound key (GET and POST)', async () => {
        const get = await userinfo(token, 'DPoP', { dpop: await proof(key, 'GET', '/oauth2/userinfo', { accessToken: token }) });
        expect(get.status, get.text).toBe(200);
        expect(get.body).toEqual({ sub: adaId, name: 'Ada Lovelace', email: 'ada@example.com' });
        const post = await call('POST', '/oauth2/userinfo', {
          headers: { authorization: `DPoP ${token}`, dpop: await proof(key, 'POST', '/oauth2/userinfo', { accessToken: token }) },
        });
        expect(post.status, post.text).toBe(200);
      });

      it('refuses the bound token as a bearer token, in the header or the body (401 invalid_token)', async () => {
        const bearer = await userinfo(token, 'Bearer', { dpop: await proof(key, 'GET', '/oauth2/userinfo', { accessToken: token }) });
        expect(bearer.status).toBe(401);
        expect(bearer.body.error).toBe('invalid_token');
        const body = await call('POST', '/oauth2/userinfo', { form: { access_token: token } });
        expect(body.status).toBe(401);
      });

      it('refuses a proof with a wrong ath, htm or htu, a replayed proof and a missing proof (401 invalid_dpop_proof)', async () => {
        const proofs = [
          await proof(key, 'GET', '/oauth2/userinfo', { ath: createHash('sha256').update('another token').digest('base64url') }),
          await proof(key, 'GET', '/oauth2/userinfo'),
          await proof(key, 'POST', '/oauth2/userinfo', { accessToken: token }),
          await proof(key, 'GET', '/oauth2/token', { accessToken: token }),
        ];
        for (const p of proofs) {
          const res = await userinfo(token, 'DPoP', { dpop: p });
          expect(res.status).toBe(401);
          expect(res.body.error).toBe('invalid_dpop_proof');
          expect(res.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);
        }
        const once = await proof(key, 'GET', '/oauth2/userinfo', { accessToken: token });
        expect((await userinfo(token, 'DPoP', { dpop: once })).status).toBe(200);
        const replay = await userinfo(token, 'DPoP', { dpop: once });
        expect(replay.status).toBe(401);
        expect(replay.body.error_description).toMatch(/already been used/);
        const missing = await userinfo(token, 'DPoP');
        expect(missing.status).toBe(401);
        expect(missing.body.error).toBe('invalid_dpop_proof');
      });

      it('refuses a proof signed by another key (401 invalid_token)', async () => {
        const stranger = await newDpopKey();
        const res = await userinfo(token, 'DPoP', { dpop: await proof(stranger, 'GET', '/oauth2/userinfo', { accessToken: token }) });
        expect(res.status).toBe(401);
        expect(res.body.error).toBe('invalid_token');
        expect(res.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
      });

      it('refuses an unbound token presented with the DPoP scheme', async () => {
        const bearer = (await tokensFor(web)).access_token;
        const res = await userinfo(bearer, 'DPoP', { dpop: await proof(key, 'GET', '/oauth2/userinfo', { accessToken: bearer }) });
        expect(res.status).toBe(401);
        expect(res.body.error).toBe('invalid_token');
      });
    });
  });
});
