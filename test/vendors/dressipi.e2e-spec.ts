import { XMLParser } from 'fast-xml-parser';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthFixtures } from '../support/oauth-fixtures.js';
import { adminRequest, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The dressipi dialect as a client written against the vendor's documents uses it: the
 * out-of-band GET /oauth/authorize (a new anonymous profile per call), then POST
 * /oauth/token with the code and with the rotating refresh token, in every body format.
 */

const OOB = 'urn:ietf:wg:oauth:2.0:oob:auto';
const TOKEN_FIELDS = ['access_token', 'refresh_token', 'expires_in', 'token_type'];

interface DressipiClient {
  clientId: string;
  apiKey: string;
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** JSON bodies parsed; XML bodies as {root: {children}} with string values. */
  body: any;
}

const xmlParser = new XMLParser({ parseTagValue: false, ignoreDeclaration: true });

async function read(res: Response): Promise<Reply> {
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  const body = !text ? undefined : type.includes('xml') ? xmlParser.parse(text) : type.includes('json') ? JSON.parse(text) : text;
  return { status: res.status, headers: res.headers, text, body };
}

const toXml = (root: string, fields: Record<string, string>) =>
  `<${root}>${Object.entries(fields)
    .map(([k, v]) => `<${k}>${v.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</${k}>`)
    .join('')}</${root}>`;

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe('dressipi: GET /oauth/authorize and POST /oauth/token', () => {
  let t: TestApp;
  let f: OAuthFixtures;
  let db: DataSource;
  let client: DressipiClient;
  let other: DressipiClient;

  beforeAll(async () => {
    t = await startTestApp('dressipi');
    f = new OAuthFixtures(t);
    db = t.app.get(DataSource);
    client = await dressipiClient();
    other = await dressipiClient();
  });
  afterAll(() => t?.close());

  async function dressipiClient(overrides: Record<string, unknown> = {}): Promise<DressipiClient> {
    const res = await adminRequest(t, 'POST', '/admin/clients', {
      clientId: f.unique('dressipi'),
      name: 'Dressipi web',
      profile: 'dressipi',
      type: 'public',
      redirectUris: [OOB],
      grantTypes: ['authorization_code', 'refresh_token'],
      ...overrides,
    });
    if (res.status !== 201) throw new Error(`client: ${res.status} ${JSON.stringify(res.body)}`);
    return { clientId: res.body.clientId, apiKey: res.body.apiKey };
  }

  const profilesOf = async (clientId: string): Promise<Array<{ id: string; username: string; name: string; email: string | null; password_hash: string | null }>> =>
    db.query(`SELECT id, username, name, email, password_hash FROM users WHERE owner_client_id = $1 ORDER BY created_at, id`, [clientId]);
  const userCount = async (): Promise<number> => (await db.query(`SELECT count(*)::int AS n FROM users`))[0].n;

  function authorizeQuery(c: DressipiClient, challenge: string, overrides: Record<string, string | undefined> = {}): URLSearchParams {
    const query = { redirect_uri: OOB, response_type: 'code', client_id: c.clientId, state: 'state-123', code_challenge: challenge, code_challenge_method: 'S256', ...overrides };
    return new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
  }

  async function authorize(query: URLSearchParams | string, headers: Record<string, string> = {}): Promise<Reply> {
    return read(await fetch(`${t.baseUrl}/oauth/authorize?${query}`, { headers }));
  }

  /** A code through the out-of-band authorize, with its verifier and the profile it created. */
  async function grantCode(c: DressipiClient = client): Promise<{ code: string; verifier: string; userId: string }> {
    const { verifier, challenge } = pkce();
    const before = new Set((await profilesOf(c.clientId)).map((p) => p.id));
    const res = await authorize(authorizeQuery(c, challenge), { 'x-api-key': c.apiKey });
    if (res.status !== 200) throw new Error(`authorize: ${res.status} ${res.text}`);
    const created = (await profilesOf(c.clientId)).filter((p) => !before.has(p.id));
    expect(created).toHaveLength(1);
    return { code: res.body.code, verifier, userId: created[0]!.id };
  }

  type Encoding = 'json' | 'form' | 'query' | 'xml';
  async function token(params: Record<string, string>, options: { as?: Encoding; headers?: Record<string, string>; apiKey?: string | null } = {}): Promise<Reply> {
    const as = options.as ?? 'json';
    const headers: Record<string, string> = { ...(options.apiKey === null ? {} : { 'x-api-key': options.apiKey ?? client.apiKey }) };
    let url = `${t.baseUrl}/oauth/token`;
    let body: string | undefined;
    if (as === 'json') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(params);
    } else if (as === 'form') {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(params).toString();
    } else if (as === 'xml') {
      headers['content-type'] = 'application/xml';
      body = toXml('token_request', params);
    } else {
      url += `?${new URLSearchParams(params)}`;
    }
    return read(await fetch(url, { method: 'POST', headers: { ...headers, ...options.headers }, body }));
  }

  const codeParams = (code: string, verifier: string, c: DressipiClient = client) => ({
    redirect_uri: OOB,
    grant_type: 'authorization_code',
    code,
    client_id: c.clientId,
    code_verifier: verifier,
  });
  const refreshParams = (refreshToken: string, c: DressipiClient = client) => ({
    redirect_uri: OOB,
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: c.clientId,
  });

  const jwks = () => createRemoteJWKSet(new URL(`${t.baseUrl}/oauth2/jwks`));

  function expectTokens(res: Reply) {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(Object.keys(res.body)).toEqual(TOKEN_FIELDS);
    expect(res.body).toEqual({ access_token: expect.any(String), refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expires_in: 86400, token_type: 'Bearer' });
  }

  function expectError(res: Reply, status: number, error: string, description: string) {
    expect({ status: res.status, body: res.body }).toEqual({ status, body: { error, error_description: description } });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
  }

  describe('GET /oauth/authorize (out of band)', () => {
    it('creates a new anonymous profile owned by the client and answers 200 {code, state}, no redirect', async () => {
      const { challenge } = pkce();
      const before = await profilesOf(client.clientId);
      const res = await authorize(authorizeQuery(client, challenge, { state: 'xyz 42' }), { 'x-api-key': client.apiKey });
      expect(res.status).toBe(200);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(Object.keys(res.body)).toEqual(['code', 'state']);
      expect(res.body).toEqual({ code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), state: 'xyz 42' });

      const after = await profilesOf(client.clientId);
      expect(after).toHaveLength(before.length + 1);
      const profile = after.find((p) => !before.some((b) => b.id === p.id))!;
      expect(profile).toEqual({ id: profile.id, username: `anonymous-${profile.id}`, name: 'Anonymous', email: null, password_hash: null });

      // The code is bound to that profile, the client, the out-of-band URI and the S256 challenge.
      const [code] = await db.query(
        `SELECT client_id, user_id, redirect_uri, code_challenge, code_challenge_method, consumed_at FROM authorization_codes WHERE user_id = $1`,
        [profile.id],
      );
      expect(code).toEqual({ client_id: client.clientId, user_id: profile.id, redirect_uri: OOB, code_challenge: challenge, code_challenge_method: 'S256', consumed_at: null });
    });

    it('creates another profile at every call', async () => {
      const a = await grantCode();
      const b = await grantCode();
      expect(a.userId).not.toBe(b.userId);
      expect(a.code).not.toBe(b.code);
    });

    it('answers XML when asked', async () => {
      const { challenge } = pkce();
      const res = await authorize(authorizeQuery(client, challenge), { 'x-api-key': client.apiKey, accept: 'application/xml' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      expect(res.text).toMatch(/^<\?xml version="1\.0" encoding="utf-8"\?><authorize_response><code>[A-Za-z0-9_-]{43}<\/code><state>state-123<\/state><\/authorize_response>$/);
    });

    it('accepts and ignores x-dressipi-jwt', async () => {
      const { challenge } = pkce();
      const res = await authorize(authorizeQuery(client, challenge), { 'x-api-key': client.apiKey, 'x-dressipi-jwt': 'not.a.jwt' });
      expect(res.status).toBe(200);
    });

    it.each<[string, (challenge: string) => { query: URLSearchParams; headers: Record<string, string> }, number, string, string]>([
      ['no x-api-key', (ch) => ({ query: authorizeQuery(client, ch), headers: {} }), 401, 'invalid_client', 'The x-api-key header is required.'],
      ['a wrong x-api-key', (ch) => ({ query: authorizeQuery(client, ch), headers: { 'x-api-key': 'wrong' } }), 401, 'invalid_client', 'Client authentication failed.'],
      ["another client's x-api-key", (ch) => ({ query: authorizeQuery(client, ch), headers: { 'x-api-key': other.apiKey } }), 401, 'invalid_client', 'Client authentication failed.'],
      ['an unknown client_id', (ch) => ({ query: authorizeQuery(client, ch, { client_id: 'nobody' }), headers: { 'x-api-key': client.apiKey } }), 401, 'invalid_client', 'Client authentication failed.'],
      ['a missing client_id', (ch) => ({ query: authorizeQuery(client, ch, { client_id: undefined }), headers: { 'x-api-key': client.apiKey } }), 400, 'invalid_request', 'The client_id parameter is required.'],
      ['a wrong redirect_uri', (ch) => ({ query: authorizeQuery(client, ch, { redirect_uri: 'https://app.example.com/callback' }), headers: { 'x-api-key': client.apiKey } }), 400, 'invalid_request', `The redirect_uri parameter must be ${OOB}.`],
      ['no redirect_uri', (ch) => ({ query: authorizeQuery(client, ch, { redirect_uri: undefined }), headers: { 'x-api-key': client.apiKey } }), 400, 'invalid_request', 'The redirect_uri parameter is required.'],
      ['response_type=token', (ch) => ({ query: authorizeQuery(client, ch, { response_type: 'token' }), headers: { 'x-api-key': client.apiKey } }), 400, 'unsupported_response_type', 'Only response_type=code is supported.'],
      ['no state', (ch) => ({ query: authorizeQuery(client, ch, { state: undefined }), headers: { 'x-api-key': client.apiKey } }), 400, 'invalid_request', 'The state parameter is required.'],
      ['no code_challenge (PKCE missing)', (ch) => ({ query: authorizeQuery(client, ch, { code_challenge: undefined, code_challenge_method: undefined }), headers: { 'x-api-key': client.apiKey } }), 400, 'invalid_request', 'PKCE is mandatory: the code_challenge parameter is required.'],
      ['code_challenge_method=plain', (ch) => ({ query: authorizeQuery(client, ch, { code_challenge_method: 'plain' }), headers: { 'x-api-key': client.apiKey } }), 400, 'invalid_request', 'Only the S256 code_challenge_method is supported.'],
      ['no code_challenge_method (plain by default)', (ch) => ({ query: authorizeQuery(client, ch, { code_challenge_method: undefined }), headers: { 'x-api-key': client.apiKey } }), 400, 'invalid_request', 'The code_challenge_method parameter is required and must be S256.'],
      ['a malformed code_challenge', (ch) => ({ query: authorizeQuery(client, ch, { code_challenge: 'short' }), headers: { 'x-api-key': client.apiKey } }), 400, 'invalid_request', 'The code_challenge must be the 43-character base64url SHA-256 of the code_verifier.'],
      ['a repeated state', (ch) => ({ query: new URLSearchParams(`${authorizeQuery(client, ch)}&state=again`), headers: { 'x-api-key': client.apiKey } }), 400, 'invalid_request', 'The state parameter is repeated.'],
    ])('refuses %s, creating no profile', async (_name, build, status, error, description) => {
      const { query, headers } = build(pkce().challenge);
      const before = await userCount();
      expectError(await authorize(query, headers), status, error, description);
      expect(await userCount()).toBe(before);
    });

    it('refuses a dressipi client that has not registered the out-of-band redirect URI, or may not use codes', async () => {
      const elsewhere = await dressipiClient({ redirectUris: ['https://app.example.com/callback'] });
      const before = await userCount();
      expectError(await authorize(authorizeQuery(elsewhere, pkce().challenge), { 'x-api-key': elsewhere.apiKey }), 400, 'invalid_request', `The redirect_uri ${OOB} is not registered for this client.`);
      const refreshOnly = await dressipiClient({ grantTypes: ['refresh_token'], redirectUris: [] });
      expectError(await authorize(authorizeQuery(refreshOnly, pkce().challenge), { 'x-api-key': refreshOnly.apiKey }), 400, 'unauthorized_client', 'This client may not use the authorization_code grant.');
      expect(await userCount()).toBe(before);
    });

    it('renders errors in XML when asked', async () => {
      const res = await authorize(authorizeQuery(client, pkce().challenge), { accept: 'text/xml' });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      expect(res.text).toBe('<?xml version="1.0" encoding="utf-8"?><error_response><error>invalid_client</error><error_description>The x-api-key header is required.</error_description></error_response>');
    });

    it('answers 406 when Accept allows neither JSON nor XML, before creating anything', async () => {
      const before = await userCount();
      const res = await authorize(authorizeQuery(client, pkce().challenge), { 'x-api-key': client.apiKey, accept: 'text/html' });
      expectError(res, 406, 'invalid_request', 'None of the media types in the Accept header can be produced.');
      expect(await userCount()).toBe(before);
    });
  });

  describe('POST /oauth/token: authorization_code', () => {
    it('exchanges the code (JSON) for a JWT that verifies against /oauth2/jwks', async () => {
      const { code, verifier, userId } = await grantCode();
      const res = await token(codeParams(code, verifier));
      expectTokens(res);
      const { payload, protectedHeader } = await jwtVerify(res.body.access_token, jwks(), { issuer: t.baseUrl, typ: 'at+jwt' });
      expect(payload).toMatchObject({ sub: userId, client_id: client.clientId });
      expect(payload.exp! - payload.iat!).toBe(86400);
      expect(protectedHeader.alg).toBe('ES256');
    });

    it.each<[Encoding]>([['form'], ['query'], ['xml']])('takes the parameters as %s', async (as) => {
      const { code, verifier, userId } = await grantCode();
      const res = await token(codeParams(code, verifier), { as, headers: { accept: 'application/json' } });
      expectTokens(res);
      expect((await jwtVerify(res.body.access_token, jwks(), { issuer: t.baseUrl })).payload.sub).toBe(userId);
    });

    it('answers an XML request in XML, fields in the documented order', async () => {
      const { code, verifier } = await grantCode();
      const res = await token(codeParams(code, verifier), { as: 'xml' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.text).toMatch(
        /^<\?xml version="1\.0" encoding="utf-8"\?><token_response><access_token>[\w.-]+<\/access_token><refresh_token>[\w-]{43}<\/refresh_token><expires_in>86400<\/expires_in><token_type>Bearer<\/token_type><\/token_response>$/,
      );
      await jwtVerify(res.body.token_response.access_token, jwks(), { issuer: t.baseUrl });
    });

    it('ignores x-dressipi-jwt', async () => {
      const { code, verifier } = await grantCode();
      expectTokens(await token(codeParams(code, verifier), { headers: { 'x-dressipi-jwt': 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJzb21lb25lLWVsc2UifQ.' } }));
    });

    it('also redeems a code a trusted front end made through POST /admin/authorization-codes', async () => {
      const profile = await f.user();
      const { verifier, challenge } = pkce();
      const made = await adminRequest(t, 'POST', '/admin/authorization-codes', { clientId: client.clientId, userId: profile.id, redirectUri: OOB, codeChallenge: challenge, codeChallengeMethod: 'S256' });
      expect(made.status).toBe(201);
      const res = await token(codeParams(made.body.code, verifier));
      expectTokens(res);
      expect(decodeJwt(res.body.access_token).sub).toBe(profile.id);
    });

    it('refuses a wrong code_verifier with invalid_grant, and the code still works with the right one', async () => {
      const { code, verifier } = await grantCode();
      expectError(await token(codeParams(code, pkce().verifier)), 400, 'invalid_grant', 'code_verifier does not match the code challenge.');
      const { code_verifier: _, ...withoutVerifier } = codeParams(code, verifier);
      expectError(await token(withoutVerifier), 400, 'invalid_grant', 'code_verifier is required for this code.');
      expectTokens(await token(codeParams(code, verifier)));
    });

    it('refuses a replayed code and revokes what the first exchange issued', async () => {
      const { code, verifier } = await grantCode();
      const first = await token(codeParams(code, verifier));
      expectTokens(first);
      expectError(await token(codeParams(code, verifier)), 400, 'invalid_grant', 'The authorization code has already been used.');
      expectError(await token(refreshParams(first.body.refresh_token)), 400, 'invalid_grant', 'The refresh token has been revoked.');
    });

    it('refuses an unknown code', async () => {
      expectError(await token(codeParams('no-such-code', pkce().verifier)), 400, 'invalid_grant', 'The authorization code is invalid.');
    });

    it("refuses one client's code presented by another dressipi client, without burning it", async () => {
      const { code, verifier } = await grantCode(client);
      expectError(await token(codeParams(code, verifier, other), { apiKey: other.apiKey }), 400, 'invalid_grant', 'The authorization code was issued to another client.');
      expectTokens(await token(codeParams(code, verifier)));
    });
  });

  describe('POST /oauth/token: refresh_token', () => {
    it('rotates the refresh token at every use; a reused one revokes the whole family', async () => {
      const { code, verifier, userId } = await grantCode();
      const first = await token(codeParams(code, verifier));
      expectTokens(first);

      const second = await token(refreshParams(first.body.refresh_token), { as: 'form' });
      expectTokens(second);
      expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
      expect((await jwtVerify(second.body.access_token, jwks(), { issuer: t.baseUrl })).payload.sub).toBe(userId);

      const third = await token(refreshParams(second.body.refresh_token), { as: 'xml', headers: { accept: 'application/json' } });
      expectTokens(third);

      // The first token again: reuse. Its family dies, the newest token with it.
      expectError(await token(refreshParams(first.body.refresh_token)), 400, 'invalid_grant', 'The refresh token has already been used; its authorization is revoked.');
      expectError(await token(refreshParams(third.body.refresh_token)), 400, 'invalid_grant', 'The refresh token has been revoked.');
    });

    it('refuses a refresh token with another client, or without redirect_uri', async () => {
      const { code, verifier } = await grantCode();
      const tokens = await token(codeParams(code, verifier));
      expectError(await token(refreshParams(tokens.body.refresh_token, other), { apiKey: other.apiKey }), 400, 'invalid_grant', 'The refresh token was issued to another client.');
      const { redirect_uri: _, ...noRedirect } = refreshParams(tokens.body.refresh_token);
      expectError(await token(noRedirect), 400, 'invalid_request', 'The redirect_uri parameter is required.');
      expectError(await token(refreshParams('not-a-refresh-token')), 400, 'invalid_grant', 'The refresh token is invalid.');
    });
  });

  describe('POST /oauth/token: documented errors', () => {
    let params: Record<string, string>;
    beforeAll(async () => {
      const { code, verifier } = await grantCode();
      params = codeParams(code, verifier);
    });

    it('401 invalid_client without x-api-key, with a wrong one, or with the key of another client', async () => {
      expectError(await token(params, { apiKey: null }), 401, 'invalid_client', 'The x-api-key header is required.');
      expectError(await token(params, { apiKey: '' }), 401, 'invalid_client', 'The x-api-key header is required.');
      expectError(await token(params, { apiKey: 'wrong-key' }), 401, 'invalid_client', 'Client authentication failed.');
      expectError(await token(params, { apiKey: other.apiKey }), 401, 'invalid_client', 'Client authentication failed.');
    });

    it('refuses a client of another profile', async () => {
      const standard = await f.client({ redirectUris: [OOB] });
      expectError(await token({ ...params, client_id: standard.clientId }), 401, 'invalid_client', 'Client authentication failed.');
    });

    it.each<[string, Record<string, string | undefined>, number, string, string]>([
      ['a wrong redirect_uri', { redirect_uri: 'https://app.example.com/callback' }, 400, 'invalid_request', `The redirect_uri parameter must be ${OOB}.`],
      ['no redirect_uri', { redirect_uri: undefined }, 400, 'invalid_request', 'The redirect_uri parameter is required.'],
      ['no grant_type', { grant_type: undefined }, 400, 'invalid_request', 'The grant_type parameter is required.'],
      ['grant_type client_credentials', { grant_type: 'client_credentials' }, 400, 'unsupported_grant_type', 'The grant type "client_credentials" is not supported: use authorization_code or refresh_token.'],
      ['no code', { code: undefined }, 400, 'invalid_request', 'The code parameter is required.'],
      ['an empty code', { code: '' }, 400, 'invalid_request', 'The code parameter is required.'],
      ['no client_id', { client_id: undefined }, 400, 'invalid_request', 'The client_id parameter is required.'],
      ['refresh_token without refresh_token', { grant_type: 'refresh_token' }, 400, 'invalid_request', 'The refresh_token parameter is required.'],
      ['a code over 512 characters', { code: 'c'.repeat(513) }, 400, 'invalid_request', 'The code parameter must be at most 512 characters.'],
      ['a client_id over 512 characters', { client_id: 'd'.repeat(513) }, 400, 'invalid_request', 'The client_id parameter must be at most 512 characters.'],
      ['a code_verifier over 128 characters', { code_verifier: 'v'.repeat(129) }, 400, 'invalid_request', 'The code_verifier parameter must be at most 128 characters.'],
      ['a wrong redirect_uri and no grant_type (the first in the documented order)', { redirect_uri: 'x', grant_type: undefined }, 400, 'invalid_request', `The redirect_uri parameter must be ${OOB}.`],
    ])('400 for %s, and the code still works', async (_name, change, status, error, description) => {
      const changed = Object.fromEntries(Object.entries({ ...params, ...change }).filter((e): e is [string, string] => e[1] !== undefined));
      expectError(await token(changed), status, error, description);
    });

    it('400 for a parameter that is not a string, or sent twice', async () => {
      const res = await read(
        await fetch(`${t.baseUrl}/oauth/token`, { method: 'POST', headers: { 'x-api-key': client.apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ ...params, client_id: 42 }) }),
      );
      expectError(res, 400, 'invalid_request', 'The client_id parameter must be a string.');
      const twice = await read(
        await fetch(`${t.baseUrl}/oauth/token?client_id=${encodeURIComponent(client.clientId)}`, {
          method: 'POST',
          headers: { 'x-api-key': client.apiKey, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(params),
        }),
      );
      expectError(twice, 400, 'invalid_request', 'The client_id parameter is repeated.');
      const repeatedInForm = await read(
        await fetch(`${t.baseUrl}/oauth/token`, {
          method: 'POST',
          headers: { 'x-api-key': client.apiKey, 'content-type': 'application/x-www-form-urlencoded' },
          body: `${new URLSearchParams(params)}&code=again`,
        }),
      );
      expectError(repeatedInForm, 400, 'invalid_request', 'The code parameter is repeated.');
    });

    it('400 for XML with another root element, or with a DOCTYPE', async () => {
      const send = (body: string) =>
        fetch(`${t.baseUrl}/oauth/token`, { method: 'POST', headers: { 'x-api-key': client.apiKey, 'content-type': 'application/xml', accept: 'application/json' }, body }).then(read);
      expectError(await send(toXml('TokenRequest', params)), 400, 'invalid_request', 'The XML root element must be <token_request>.');
      expectError(await send(`<!DOCTYPE x [<!ENTITY e "x">]>${toXml('token_request', params)}`), 400, 'invalid_request', 'XML document type and entity declarations are not allowed.');
    });

    it('the code survives all of the above', async () => {
      expectTokens(await token(params));
    });
  });

  describe('content negotiation', () => {
    it('answers XML to a JSON body with Accept: application/xml, and JSON to an XML body with Accept: application/json', async () => {
      const a = await grantCode();
      const xml = await token(codeParams(a.code, a.verifier), { as: 'json', headers: { accept: 'application/xml' } });
      expect(xml.status).toBe(200);
      expect(xml.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      expect(Object.keys(xml.body.token_response)).toEqual(TOKEN_FIELDS);
      expect(xml.body.token_response).toMatchObject({ expires_in: '86400', token_type: 'Bearer' });

      const b = await grantCode();
      expectTokens(await token(codeParams(b.code, b.verifier), { as: 'xml', headers: { accept: 'application/json' } }));
    });

    it('follows quality values, and falls back to the body format, then JSON', async () => {
      const a = await grantCode();
      const preferXml = await token(codeParams(a.code, a.verifier), { as: 'json', headers: { accept: 'application/json;q=0.5, text/xml' } });
      expect(preferXml.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      const b = await grantCode();
      const anything = await token(codeParams(b.code, b.verifier), { as: 'xml', headers: { accept: '*/*' } });
      expect(anything.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      const c = await grantCode();
      expectTokens(await token(codeParams(c.code, c.verifier), { as: 'form' }));
    });

    it('renders an error in XML for an XML request', async () => {
      const res = await token({ ...codeParams('x', 'y'), redirect_uri: 'https://elsewhere.example.com/' }, { as: 'xml' });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      expect(res.text).toBe(
        `<?xml version="1.0" encoding="utf-8"?><error_response><error>invalid_request</error><error_description>The redirect_uri parameter must be ${OOB}.</error_description></error_response>`,
      );
    });

    it('406 when Accept allows neither JSON nor XML, before the code is spent', async () => {
      const { code, verifier } = await grantCode();
      expectError(await token(codeParams(code, verifier), { headers: { accept: 'text/html' } }), 406, 'invalid_request', 'None of the media types in the Accept header can be produced.');
      expectTokens(await token(codeParams(code, verifier)));
    });

    it('415 for a body that is neither JSON, XML nor a form', async () => {
      const { code, verifier } = await grantCode();
      const res = await read(
        await fetch(`${t.baseUrl}/oauth/token`, { method: 'POST', headers: { 'x-api-key': client.apiKey, 'content-type': 'text/plain' }, body: new URLSearchParams(codeParams(code, verifier)).toString() }),
      );
      expectError(res, 415, 'invalid_request', "The request entity's media type 'text/plain' is not supported for this resource.");
      expectTokens(await token(codeParams(code, verifier)));
    });
  });

  it('documents both endpoints under the dressipi tag, with JSON and XML examples and the error shape', async () => {
    const doc = (await adminRequest(t, 'GET', '/docs-json')).body;
    const tokenOp = doc.paths['/oauth/token'].post;
    const authorizeOp = doc.paths['/oauth/authorize'].get;
    for (const op of [tokenOp, authorizeOp]) {
      expect(op.tags).toEqual(['dressipi']);
      expect(Object.keys(op.responses['200'].content)).toEqual(['application/json', 'application/xml']);
      expect(op.responses['400'].content['application/json'].schema.$ref).toBe('#/components/schemas/DressipiErrorBody');
      expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['x-api-key', 'x-dressipi-jwt']));
    }
    expect(Object.keys(tokenOp.requestBody.content)).toEqual(['application/json', 'application/x-www-form-urlencoded', 'application/xml']);
    expect(tokenOp.requestBody.content['application/xml'].examples.authorization_code.value).toMatch(/^<\?xml .*<token_request><redirect_uri>/);
    expect(tokenOp.responses['200'].content['application/xml'].example).toMatch(/<token_response><access_token>/);
    expect(authorizeOp.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['redirect_uri', 'response_type', 'client_id', 'state', 'code_challenge', 'code_challenge_method']),
    );
    expect(doc.components.schemas.DressipiTokenResponse.required).toEqual(['access_token', 'expires_in', 'token_type']);
  });
});
