import { decodeJwt } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, OAuthFixtures } from '../support/oauth-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PATH = '/api/v1/oauth2/token';
const TOKEN = '[A-Za-z0-9_.-]+';
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** huawei: POST /api/v1/oauth2/token as Huawei OneAccess documents it, plus JSON and XML; GET /api/v1/oauth2/authorize. */
describe('huawei dialect', () => {
  let t: TestApp;
  let f: OAuthFixtures;
  let user: Awaited<ReturnType<OAuthFixtures['user']>>;

  beforeAll(async () => {
    t = await startTestApp('vendor-huawei');
    f = new OAuthFixtures(t);
    user = await f.user();
  });
  afterAll(() => t?.close());

  type Client = { clientId: string; clientSecret?: string; redirectUri: string };
  const huaweiClient = (overrides: Record<string, unknown> = {}): Promise<Client> => f.client({ profile: 'huawei', type: 'confidential', scopes: ['openid', 'profile', 'email'], ...overrides });

  /** A code for a new huawei client and the documented form that redeems it. */
  async function fixture(clientOverrides: Record<string, unknown> = {}, codeOptions: { pkce?: boolean; scope?: string } = { pkce: false }) {
    const client = await huaweiClient(clientOverrides);
    const { code, verifier } = await f.code(client, user.id, codeOptions);
    const form: Record<string, string> = { grant_type: 'authorization_code', code, client_id: client.clientId, client_secret: client.clientSecret!, redirect_uri: client.redirectUri };
    return { client, code, verifier, form };
  }

  async function send(body: string, headers: Record<string, string>) {
    const res = await fetch(`${t.baseUrl}${PATH}`, { method: 'POST', headers, body });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
  const postForm = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    send(new URLSearchParams(form).toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
  const postJson = (body: unknown, headers: Record<string, string> = {}) => send(JSON.stringify(body), { 'content-type': 'application/json', ...headers });
  const toXml = (fields: Record<string, string>, root = 'TokenRequest') => `<${root}>${Object.entries(fields).map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</${root}>`;
  const postXml = (fields: Record<string, string>, headers: Record<string, string> = {}, root = 'TokenRequest') =>
    send(toXml(fields, root), { 'content-type': 'application/xml', ...headers });

  function expectHeaders(headers: Headers, expected: Record<string, string>) {
    for (const [name, value] of Object.entries(expected)) expect(headers.get(name), name).toBe(value);
  }

  async function expectError(res: { status: number; headers: Headers; text: string }, status: number, error: string, description: string) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expectHeaders(res.headers, NO_STORE);
    expect(res.text).toBe(JSON.stringify({ error, error_description: description }));
  }

  describe('authorization_code', () => {
    it('answers the documented form with Example 2: access_token, token_type, expires_in (a number), scope, refresh_token, id_token', async () => {
      const { client, form } = await fixture();
      const res = await postForm(form);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expectHeaders(res.headers, NO_STORE);
      expect(res.text).toMatch(
        new RegExp(`^\\{"access_token":"${TOKEN}","token_type":"Bearer","expires_in":3600,"scope":"openid profile email","refresh_token":"${TOKEN}","id_token":"${TOKEN}"\\}$`),
      );
      const body = JSON.parse(res.text);
      expect(decodeJwt(body.id_token)).toMatchObject({ iss: t.baseUrl, sub: user.id, aud: client.clientId });
      expect(decodeJwt(body.access_token)).toMatchObject({ sub: user.id, client_id: client.clientId });
    });

    it('answers Example 1 (no refresh_token) for a client not configured to issue refresh tokens', async () => {
      const { form } = await fixture({ grantTypes: ['authorization_code'], issueRefreshToken: false }, { pkce: false, scope: 'openid' });
      const res = await postForm(form);
      expect(res.status).toBe(200);
      expect(Object.keys(JSON.parse(res.text))).toEqual(['access_token', 'token_type', 'expires_in', 'scope', 'id_token']);
      expect(JSON.parse(res.text)).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid' });
    });

    it('authenticates the client by HTTP Basic too', async () => {
      const { client, form } = await fixture();
      const { client_secret: _secret, client_id: _id, ...rest } = form;
      const res = await postForm(rest, { authorization: basic(client.clientId, client.clientSecret!) });
      expect(res.status).toBe(200);
    });

    it('takes code_verifier when the code has a PKCE challenge, and requires it then', async () => {
      const { form, verifier } = await fixture({}, { pkce: true });
      const without = await postForm(form);
      await expectError(without, 400, 'invalid_grant', 'code_verifier is required for this code.');
      const res = await postForm({ ...form, code_verifier: verifier });
      expect(res.status).toBe(200);
    });

    it('reads JSON and XML bodies and answers in the same format', async () => {
      const json = await fixture();
      const a = await postJson(json.form);
      expect(a.status).toBe(200);
      expect(JSON.parse(a.text).token_type).toBe('Bearer');

      const xml = await fixture();
      const b = await postXml(xml.form);
      expect(b.status).toBe(200);
      expect(b.headers.get('content-type')).toMatch(/^application\/xml/);
      expectHeaders(b.headers, NO_STORE);
      expect(b.text).toMatch(
        new RegExp(
          `^<TokenResponse><access_token>${TOKEN}</access_token><token_type>Bearer</token_type><expires_in>3600</expires_in>` +
            `<scope>openid profile email</scope><refresh_token>${TOKEN}</refresh_token><id_token>${TOKEN}</id_token></TokenResponse>$`,
        ),
      );
    });
  });

  describe('refresh_token', () => {
    it('rotates the refresh token; a used one is refused and revokes the family', async () => {
      const { client, form } = await fixture();
      const first = JSON.parse((await postForm(form)).text);
      const refresh = { grant_type: 'refresh_token', client_id: client.clientId, client_secret: client.clientSecret!, refresh_token: first.refresh_token };
      const rotated = await postForm(refresh);
      expect(rotated.status).toBe(200);
      expectHeaders(rotated.headers, NO_STORE);
      const second = JSON.parse(rotated.text);
      expect(Object.keys(second).slice(0, 5)).toEqual(['access_token', 'token_type', 'expires_in', 'scope', 'refresh_token']);
      expect(second).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid profile email' });
      expect(second.refresh_token).not.toBe(first.refresh_token);

      const reuse = await postForm(refresh);
      await expectError(reuse, 400, 'invalid_grant', 'The refresh token has already been used; its authorization is revoked.');
      const successor = await postForm({ ...refresh, refresh_token: second.refresh_token });
      await expectError(successor, 400, 'invalid_grant', 'The refresh token has been revoked.');
    });

    it('refreshes in XML and by HTTP Basic', async () => {
      const { client, form } = await fixture();
      const first = JSON.parse((await postForm(form)).text);
      const res = await postXml({ grant_type: 'refresh_token', refresh_token: first.refresh_token }, { authorization: basic(client.clientId, client.clientSecret!) });
      expect(res.status).toBe(200);
      expect(res.text).toMatch(new RegExp(`^<TokenResponse><access_token>${TOKEN}</access_token><token_type>Bearer</token_type><expires_in>3600</expires_in><scope>openid profile email</scope><refresh_token>${TOKEN}</refresh_token>`));
    });

    it('refuses an unknown refresh token and another client\'s', async () => {
      const { client, form } = await fixture();
      const first = JSON.parse((await postForm(form)).text);
      const other = await huaweiClient();
      const stolen = await postForm({ grant_type: 'refresh_token', client_id: other.clientId, client_secret: other.clientSecret!, refresh_token: first.refresh_token });
      await expectError(stolen, 400, 'invalid_grant', 'The refresh token was issued to another client.');
      const unknown = await postForm({ grant_type: 'refresh_token', client_id: client.clientId, client_secret: client.clientSecret!, refresh_token: 'x'.repeat(43) });
      await expectError(unknown, 400, 'invalid_grant', 'The refresh token is invalid.');
    });
  });

  describe('errors', () => {
    it('refuses a bad code with the documented body: invalid_grant "Invalid authorization code"', async () => {
      const { form } = await fixture();
      const res = await postForm({ ...form, code: 'not-a-code' });
      await expectError(res, 400, 'invalid_grant', 'Invalid authorization code');
    });

    it('refuses a used code the same way', async () => {
      const { form } = await fixture();
      expect((await postForm(form)).status).toBe(200);
      await expectError(await postForm(form), 400, 'invalid_grant', 'Invalid authorization code');
    });

    it('refuses an expired code the same way', async () => {
      const client = await huaweiClient();
      const { code } = await f.code(client, user.id, { pkce: false, expiresIn: 1 });
      await new Promise((r) => setTimeout(r, 1200));
      const res = await postForm({ grant_type: 'authorization_code', code, client_id: client.clientId, client_secret: client.clientSecret!, redirect_uri: client.redirectUri });
      await expectError(res, 400, 'invalid_grant', 'Invalid authorization code');
    });

    it('writes errors in XML as <ErrorResponse>', async () => {
      const { form } = await fixture();
      const res = await postXml({ ...form, code: 'not-a-code' });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
      expect(res.text).toBe('<ErrorResponse><error>invalid_grant</error><error_description>Invalid authorization code</error_description></ErrorResponse>');
    });

    it('refuses a wrong redirect_uri without burning the code', async () => {
      const { form } = await fixture();
      await expectError(await postForm({ ...form, redirect_uri: 'https://app.example.com/other' }), 400, 'invalid_grant', 'The redirect_uri does not match the authorization request.');
      expect((await postForm(form)).status).toBe(200);
    });

    it('answers a failed client authentication with 401 invalid_client and a Basic challenge', async () => {
      const { client, form } = await fixture();
      const wrong = await postForm({ ...form, client_secret: 'wrong' });
      await expectError(wrong, 401, 'invalid_client', 'Client authentication failed.');
      expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="latchkey", charset="UTF-8"');

      const { client_secret: _secret, ...noSecret } = form;
      await expectError(await postForm(noSecret), 401, 'invalid_client', 'Client authentication is required: send client_secret, or use HTTP Basic.');

      const { client_id: _id, ...noClient } = form;
      await expectError(await postForm(noClient), 401, 'invalid_client', 'Client authentication is required.');

      const { client_id: _cid, client_secret: _cs, ...bare } = form;
      const basicWrong = await postForm(bare, { authorization: basic(client.clientId, 'wrong') });
      await expectError(basicWrong, 401, 'invalid_client', 'Client authentication failed.');
      expect(basicWrong.headers.get('www-authenticate')).toBe('Basic realm="latchkey", charset="UTF-8"');
      // None of this burned the code.
      expect((await postForm(form)).status).toBe(200);
    });

    it('refuses a client of another profile', async () => {
      const standard = await f.client({ profile: 'standard', type: 'confidential' });
      const { code } = await f.code(standard, user.id, { pkce: false });
      const res = await postForm({ grant_type: 'authorization_code', code, client_id: standard.clientId, client_secret: standard.clientSecret!, redirect_uri: standard.redirectUri });
      await expectError(res, 400, 'unauthorized_client', 'This client is not registered for this endpoint.');
    });

    it('refuses a public client (the document makes client_secret mandatory)', async () => {
      const client = await huaweiClient({ type: 'public' });
      const { code, verifier } = await f.code(client, user.id);
      const res = await postForm({ grant_type: 'authorization_code', code, client_id: client.clientId, redirect_uri: client.redirectUri, code_verifier: verifier });
      await expectError(res, 401, 'invalid_client', 'Client authentication is required: send client_secret, or use HTTP Basic.');
    });

    it('names a missing or unsupported grant_type and missing parameters', async () => {
      const { form } = await fixture();
      const { grant_type: _g, ...noGrant } = form;
      await expectError(await postForm(noGrant), 400, 'invalid_request', 'The grant_type parameter is required.');
      await expectError(await postForm({ ...form, grant_type: 'client_credentials' }), 400, 'unsupported_grant_type', 'The grant type "client_credentials" is not supported.');
      const { code: _c, ...noCode } = form;
      await expectError(await postForm(noCode), 400, 'invalid_request', 'The code parameter is required.');
      const { redirect_uri: _r, ...noRedirect } = form;
      await expectError(await postForm(noRedirect), 400, 'invalid_request', 'The redirect_uri parameter is required.');
      await expectError(await postForm({ ...form, grant_type: 'refresh_token' }), 400, 'invalid_request', 'The refresh_token parameter is required.');
    });

    it('refuses a repeated parameter, a non-string value, a wrong XML root and an unreadable body', async () => {
      const { form } = await fixture();
      const repeated = await send(`${new URLSearchParams(form)}&code=other`, { 'content-type': 'application/x-www-form-urlencoded' });
      await expectError(repeated, 400, 'invalid_request', 'The code parameter is repeated.');
      await expectError(await postJson({ ...form, code: 42 }), 400, 'invalid_request', 'The code parameter must be a string.');
      const root = await postXml(form, { accept: 'application/json' }, 'OAuth2AuthTokenRequestModel');
      await expectError(root, 400, 'invalid_request', 'The XML root element must be <TokenRequest>.');
      await expectError(await send('{"grant_type":', { 'content-type': 'application/json' }), 400, 'invalid_request', 'The request body is not valid JSON.');
      expect((await postForm(form)).status).toBe(200);
    });
  });

  describe('content negotiation', () => {
    it('answers XML to a JSON body when Accept asks for XML, and JSON to an XML body when Accept asks for JSON', async () => {
      const a = await fixture();
      const xml = await postJson(a.form, { accept: 'application/xml' });
      expect(xml.status).toBe(200);
      expect(xml.headers.get('content-type')).toMatch(/^application\/xml/);
      expect(xml.text).toMatch(/^<TokenResponse><access_token>/);
      const b = await fixture();
      const json = await postXml(b.form, { accept: 'application/json' });
      expect(json.status).toBe(200);
      expect(json.headers.get('content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(json.text).token_type).toBe('Bearer');
    });

    it('answers a form in JSON unless Accept asks for XML', async () => {
      const a = await fixture();
      const xml = await postForm(a.form, { accept: 'text/xml' });
      expect(xml.text).toMatch(/^<TokenResponse>/);
      const b = await fixture();
      const any = await postForm(b.form, { accept: '*/*' });
      expect(JSON.parse(any.text).token_type).toBe('Bearer');
    });

    it('answers 406 when Accept offers neither JSON nor XML, without redeeming the code', async () => {
      const { form } = await fixture();
      const res = await postForm(form, { accept: 'text/html' });
      await expectError(res, 406, 'invalid_request', 'None of the media types in the Accept header can be produced.');
      expect((await postForm(form)).status).toBe(200);
    });

    it('answers 415 to a body that is not a form, JSON or XML', async () => {
      const res = await send('grant_type=authorization_code', { 'content-type': 'text/plain' });
      await expectError(res, 415, 'invalid_request', "The request entity's media type 'text/plain' is not supported for this resource.");
    });
  });

  describe('GET /api/v1/oauth2/authorize', () => {
    it('is the standard sign-in, whose code this endpoint redeems', async () => {
      const client = await huaweiClient();
      const verifier = randomBytes(32).toString('base64url');
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: client.clientId,
        redirect_uri: client.redirectUri,
        scope: 'openid profile',
        state: 'st-1',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      });
      const page = await fetch(`${t.baseUrl}/api/v1/oauth2/authorize?${query}`, { redirect: 'manual' });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain('<form method="post" action="/oauth2/authorize">');
      const interaction = /<input type="hidden" name="interaction" value="([^"]+)">/.exec(html)![1]!;
      const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

      const login = await fetch(`${t.baseUrl}/oauth2/authorize`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ interaction, username: user.username, password: user.password }),
      });
      expect(login.status).toBe(303);
      const location = new URL(login.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(client.redirectUri);
      expect(location.searchParams.get('state')).toBe('st-1');

      const res = await postForm({
        grant_type: 'authorization_code',
        code: location.searchParams.get('code')!,
        client_id: client.clientId,
        client_secret: client.clientSecret!,
        redirect_uri: client.redirectUri,
        code_verifier: verifier,
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toMatchObject({ token_type: 'Bearer', scope: 'openid profile' });
    });

    it('shows the same error page as /oauth2/authorize for an unknown client', async () => {
      const query = new URLSearchParams({ response_type: 'code', client_id: 'nobody', redirect_uri: 'https://app.example.com/callback' });
      const alias = await fetch(`${t.baseUrl}/api/v1/oauth2/authorize?${query}`, { redirect: 'manual' });
      const standard = await fetch(`${t.baseUrl}/oauth2/authorize?${query}`, { redirect: 'manual' });
      expect(alias.status).toBe(400);
      expect(alias.status).toBe(standard.status);
      expect(alias.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await alias.text()).toBe(await standard.text());
    });
  });

  it('documents the dialect in Swagger under its tag, with form, JSON and XML examples and the error shapes', async () => {
    const doc = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as any;
    const operation = doc.paths[PATH].post;
    expect(operation.tags).toEqual(['huawei']);
    expect(Object.keys(operation.requestBody.content)).toEqual(['application/x-www-form-urlencoded', 'application/json', 'text/json', 'application/xml', 'text/xml']);
    expect(operation.requestBody.content['application/xml'].examples.authorization_code.value).toMatch(/^<TokenRequest><grant_type>authorization_code<\/grant_type>/);
    expect(operation.responses['200'].content['application/json'].examples.with_refresh.value).toMatchObject({ token_type: 'Bearer', expires_in: 7200 });
    expect(operation.responses['200'].content['application/xml'].examples.with_refresh.value).toMatch(/^<TokenResponse>.*<expires_in>7200<\/expires_in>/);
    expect(operation.responses['400'].content['application/json'].examples.invalid_code.value).toEqual({ error: 'invalid_grant', error_description: 'Invalid authorization code' });
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '406', '415', '500']));
    expect(doc.components.schemas.HuaweiTokenResponse.properties.expires_in.type).toBe('integer');
    expect(doc.components.schemas.HuaweiTokenResponse.properties.expires_in.description).toMatch(/table says String/);
    expect(doc.paths['/api/v1/oauth2/authorize'].get.tags).toEqual(['huawei']);
  });
});
