import { XMLValidator } from 'fast-xml-parser';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthFixtures } from '../support/oauth-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PATH = '/v1/Token/OAuth2/AuthorizationCode';
const NS = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"';
const TOKEN = '[A-Za-z0-9_.-]+';

/** midnight: POST /v1/Token/OAuth2/AuthorizationCode in ASP.NET Web API 2's manner, JSON and XML. */
describe('midnight dialect', () => {
  let t: TestApp;
  let f: OAuthFixtures;
  let user: Awaited<ReturnType<OAuthFixtures['user']>>;

  beforeAll(async () => {
    t = await startTestApp('vendor-midnight');
    f = new OAuthFixtures(t);
    user = await f.user({ name: 'Ada Lovelace' });
  });
  afterAll(() => t?.close());

  const midnightClient = (overrides: Record<string, unknown> = {}) => f.client({ profile: 'midnight', type: 'public', domain: 'contoso', ...overrides });

  /** A fresh code for a fresh midnight client, and the request model that redeems it. */
  async function fixture(clientOverrides: Record<string, unknown> = {}) {
    const client = await midnightClient(clientOverrides);
    const { code, verifier } = await f.code(client, user.id);
    const model = { Domain: 'contoso', AuthorizationCode: code, CodeVerifier: verifier, RedirectUri: client.redirectUri, UserPoolWebClientId: client.clientId };
    return { client, code, verifier, model };
  }

  async function post(body: string, headers: Record<string, string>, path = PATH) {
    const res = await fetch(`${t.baseUrl}${path}`, { method: 'POST', headers, body });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
  const postJson = (model: unknown, headers: Record<string, string> = {}, path = PATH) =>
    post(JSON.stringify(model), { 'content-type': 'application/json', ...headers }, path);
  const postXml = (model: Record<string, string>, headers: Record<string, string> = {}, root = 'OAuth2AuthTokenRequestModel') =>
    post(`<${root} ${NS}>${Object.entries(model).map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</${root}>`, { 'content-type': 'application/xml', ...headers });

  function expectNoStore(headers: Headers) {
    expect(headers.get('cache-control')).toBe('no-store');
    expect(headers.get('pragma')).toBe('no-cache');
  }

  describe('success', () => {
    it('answers a JSON request with AuthTokenResponseModel in JSON, fields in the vendor order', async () => {
      const { client, model } = await fixture();
      const res = await postJson(model);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expectNoStore(res.headers);
      expect(res.text).toMatch(new RegExp(`^\\{"access_token":"${TOKEN}","refresh_token":"${TOKEN}","token_type":"Bearer","expires_in":3600,"Name":"Ada Lovelace"\\}$`));
      const body = JSON.parse(res.text);
      expect(Object.keys(body)).toEqual(['access_token', 'refresh_token', 'token_type', 'expires_in', 'Name']);
      expect(decodeJwt(body.access_token)).toMatchObject({ iss: t.baseUrl, sub: user.id, client_id: client.clientId });
    });

    it('answers an XML request in XML: the root with xmlns:xsi then xmlns:xsd, no declaration, no indentation', async () => {
      const { model } = await fixture();
      const res = await postXml(model);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
      expectNoStore(res.headers);
      expect(res.text).toMatch(
        new RegExp(
          `^<AuthTokenResponseModel ${NS}><access_token>${TOKEN}</access_token><refresh_token>${TOKEN}</refresh_token>` +
            '<token_type>Bearer</token_type><expires_in>3600</expires_in><Name>Ada Lovelace</Name></AuthTokenResponseModel>$',
        ),
      );
    });

    it('reads text/xml without namespace declarations and text/json', async () => {
      const xml = await fixture();
      const body = `<OAuth2AuthTokenRequestModel>${Object.entries(xml.model).map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</OAuth2AuthTokenRequestModel>`;
      const res = await post(body, { 'content-type': 'text/xml; charset=utf-8' });
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/^<AuthTokenResponseModel /);
      const json = await fixture();
      const res2 = await post(JSON.stringify(json.model), { 'content-type': 'text/json' });
      expect(res2.status).toBe(200);
      expect(JSON.parse(res2.text).token_type).toBe('Bearer');
    });

    it("reads XML's escapes in values, as XmlSerializer writes them: a RedirectUri whose query holds &amp; is the registered URI", async () => {
      const redirectUri = 'https://app.example.com/callback?tenant=contoso&lang=en';
      const { model } = await fixture({ redirectUris: [redirectUri] });
      expect(model.RedirectUri).toBe(redirectUri);
      const escaped = { ...model, RedirectUri: 'https://app.example.com/callback?tenant=contoso&amp;lang&#61;en' };
      const res = await postXml(escaped);
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/^<AuthTokenResponseModel /);
    });

    it('refuses an entity XML does not declare, and a reference to a character XML does not allow, before reading the code', async () => {
      const { model } = await fixture();
      for (const domain of ['contoso&nbsp;', 'contoso&#0;']) {
        const res = await postXml({ ...model, Domain: domain });
        expect(res.status).toBe(400);
        expect(res.text).toBe('<Error><Message>The request is invalid.</Message><ModelState><model>The request body is not well-formed XML.</model></ModelState></Error>');
      }
      expect((await postXml(model)).status).toBe(200);
    });

    it('writes a name holding a character XML cannot carry as U+FFFD in XML, so the answer stays well-formed, and as it is in JSON', async () => {
      const named = await f.user({ name: 'Ada\u0001Lovelace' });
      const client = await midnightClient();
      const first = await f.code(client, named.id);
      const model = { Domain: 'contoso', AuthorizationCode: first.code, CodeVerifier: first.verifier, RedirectUri: client.redirectUri, UserPoolWebClientId: client.clientId };
      const xml = await postXml(model);
      expect(xml.status).toBe(200);
      expect(XMLValidator.validate(xml.text)).toBe(true);
      expect(xml.text).toContain('<Name>Ada\uFFFDLovelace</Name>');
      const second = await f.code(client, named.id);
      const json = await postJson({ ...model, AuthorizationCode: second.code, CodeVerifier: second.verifier });
      expect(JSON.parse(json.text).Name).toBe('Ada\u0001Lovelace');
    });

    it('binds JSON property names without regard to case (Json.NET), and numbers as text', async () => {
      const { model } = await fixture();
      const lower = Object.fromEntries(Object.entries(model).map(([k, v]) => [k.toLowerCase(), v]));
      const res = await postJson(lower);
      expect(res.status).toBe(200);
    });

    it('escapes the name in XML and writes refresh_token null in JSON (absent in XML) when the client issues none', async () => {
      const named = await f.user({ name: 'Ada <& Co>' });
      const client = await midnightClient({ grantTypes: ['authorization_code'], issueRefreshToken: false });
      const first = await f.code(client, named.id);
      const json = await postJson({ Domain: 'contoso', AuthorizationCode: first.code, CodeVerifier: first.verifier, RedirectUri: client.redirectUri, UserPoolWebClientId: client.clientId });
      expect(json.status).toBe(200);
      expect(json.text).toMatch(new RegExp(`^\\{"access_token":"${TOKEN}","refresh_token":null,"token_type":"Bearer","expires_in":3600,"Name":"Ada <& Co>"\\}$`));
      const second = await f.code(client, named.id);
      const xml = await postXml({ Domain: 'contoso', AuthorizationCode: second.code, CodeVerifier: second.verifier, RedirectUri: client.redirectUri, UserPoolWebClientId: client.clientId });
      expect(xml.status).toBe(200);
      expect(xml.text).toMatch(
        new RegExp(`^<AuthTokenResponseModel ${NS}><access_token>${TOKEN}</access_token><token_type>Bearer</token_type><expires_in>3600</expires_in><Name>Ada &lt;&amp; Co&gt;</Name></AuthTokenResponseModel>$`),
      );
    });
  });

  describe('the path, in any letter case', () => {
    it.each(['/v1/token/oauth2/authorizationcode', '/V1/TOKEN/OAUTH2/AUTHORIZATIONCODE', '/v1/TOKEN/oauth2/AuthorizationCODE'])('serves %s', async (path) => {
      const { model } = await fixture();
      const res = await postJson(model, {}, path);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text).Name).toBe('Ada Lovelace');
    });

    it('serves nothing else', async () => {
      for (const path of ['/v1/token/oauth2/authorizationcodes', '/v1/token/oauth2', '/v2/token/oauth2/authorizationcode']) {
        expect((await postJson({}, {}, path)).status).toBe(404);
      }
    });
  });

  describe('content negotiation', () => {
    it('answers XML to a JSON body when Accept asks for XML, and JSON to an XML body when Accept asks for JSON', async () => {
      const a = await fixture();
      const xml = await postJson(a.model, { accept: 'application/xml' });
      expect(xml.status).toBe(200);
      expect(xml.headers.get('content-type')).toMatch(/^application\/xml/);
      expect(xml.text).toMatch(/^<AuthTokenResponseModel xmlns:xsi=/);
      const b = await fixture();
      const json = await postXml(b.model, { accept: 'application/json' });
      expect(json.status).toBe(200);
      expect(json.headers.get('content-type')).toMatch(/^application\/json/);
      expect(Object.keys(JSON.parse(json.text))).toEqual(['access_token', 'refresh_token', 'token_type', 'expires_in', 'Name']);
    });

    it('follows quality values and falls back to the body format for */*', async () => {
      const a = await fixture();
      const res = await postJson(a.model, { accept: 'application/json;q=0.5, text/xml' });
      expect(res.text).toMatch(/^<AuthTokenResponseModel /);
      const b = await fixture();
      const any = await postXml(b.model, { accept: '*/*' });
      expect(any.text).toMatch(/^<AuthTokenResponseModel /);
    });

    it('answers 406 when Accept offers neither JSON nor XML, without redeeming the code', async () => {
      const { model } = await fixture();
      const res = await postJson(model, { accept: 'text/html' });
      expect(res.status).toBe(406);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(res.text)).toEqual({ Message: 'None of the media types in the Accept header can be produced.' });
      expect((await postJson(model)).status).toBe(200);
    });

    it('refuses a form body with 415 and ASP.NET\'s message (the media type without its parameters)', async () => {
      const { model } = await fixture();
      const res = await post(new URLSearchParams(model).toString(), { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
      expect(res.status).toBe(415);
      expect(res.text).toBe('{"Message":"The request entity\'s media type \'application/x-www-form-urlencoded\' is not supported for this resource."}');
      const xml = await post('x', { 'content-type': 'text/plain', accept: 'application/xml' });
      expect(xml.status).toBe(415);
      // libs/negotiation's writer escapes ' as &apos; (.NET writes it as is; XML readers see the same text).
      expect(xml.text).toBe('<Error><Message>The request entity&apos;s media type &apos;text/plain&apos; is not supported for this resource.</Message></Error>');
      expect((await postJson(model)).status).toBe(200);
    });
  });

  describe('validation (400, ModelState)', () => {
    it('names every failed field at once, in the model order, in JSON', async () => {
      const res = await postJson({ AuthorizationCode: 'abc', CodeVerifier: '   ', RedirectUri: '' });
      expect(res.status).toBe(400);
      expectNoStore(res.headers);
      expect(res.text).toBe(
        JSON.stringify({
          Message: 'The request is invalid.',
          ModelState: {
            'model.Domain': ['The Domain field is required.'],
            'model.CodeVerifier': ['The CodeVerifier field is required.'],
            'model.RedirectUri': ['The RedirectUri field is required.'],
            'model.UserPoolWebClientId': ['The UserPoolWebClientId field is required.'],
          },
        }),
      );
    });

    it('writes ModelState in XML as HttpError does: one element per key', async () => {
      const res = await postXml({ Domain: 'contoso', AuthorizationCode: '', CodeVerifier: 'v' });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
      expect(res.text).toBe(
        '<Error><Message>The request is invalid.</Message><ModelState>' +
          '<model.AuthorizationCode>The AuthorizationCode field is required.</model.AuthorizationCode>' +
          '<model.RedirectUri>The RedirectUri field is required.</model.RedirectUri>' +
          '<model.UserPoolWebClientId>The UserPoolWebClientId field is required.</model.UserPoolWebClientId>' +
          '</ModelState></Error>',
      );
    });

    it('reports an empty body as all five fields', async () => {
      const res = await post('', { 'content-type': 'application/json' });
      expect(res.status).toBe(400);
      expect(Object.keys(JSON.parse(res.text).ModelState)).toEqual(['model.Domain', 'model.AuthorizationCode', 'model.CodeVerifier', 'model.RedirectUri', 'model.UserPoolWebClientId']);
    });

    it('refuses an unreadable body, a wrong XML root and a structured value under the key of what failed', async () => {
      const malformed = await post('{"Domain":', { 'content-type': 'application/json' });
      expect(malformed.status).toBe(400);
      expect(JSON.parse(malformed.text)).toEqual({ Message: 'The request is invalid.', ModelState: { model: ['The request body is not valid JSON.'] } });

      const { model } = await fixture();
      const root = await postXml(model, {}, 'TokenRequest');
      expect(root.status).toBe(400);
      expect(root.text).toBe('<Error><Message>The request is invalid.</Message><ModelState><model>The XML root element must be &lt;OAuth2AuthTokenRequestModel&gt;, not &lt;TokenRequest&gt;.</model></ModelState></Error>');

      const nested = await postJson({ ...model, Domain: { name: 'contoso' } });
      expect(nested.status).toBe(400);
      expect(JSON.parse(nested.text)).toEqual({ Message: 'The request is invalid.', ModelState: { 'model.Domain': ['The value of Domain is not valid.'] } });

      const doctype = await post('<!DOCTYPE x [<!ENTITY a "b">]><OAuth2AuthTokenRequestModel><Domain>&a;</Domain></OAuth2AuthTokenRequestModel>', { 'content-type': 'application/xml' });
      expect(doctype.status).toBe(400);
      expect(doctype.text).toBe(
        '<Error><Message>The request is invalid.</Message><ModelState><model>XML document type and entity declarations are not allowed.</model></ModelState></Error>',
      );
      // None of these redeemed the code.
      expect((await postJson(model)).status).toBe(200);
    });
  });

  describe('refused exchanges (400, Message)', () => {
    it('refuses an unknown code', async () => {
      const { model } = await fixture();
      const res = await postJson({ ...model, AuthorizationCode: 'not-a-code' });
      expect(res.status).toBe(400);
      expectNoStore(res.headers);
      expect(res.text).toBe('{"Message":"The authorization code is invalid."}');
    });

    it('refuses a wrong CodeVerifier and a wrong RedirectUri without burning the code', async () => {
      const { model } = await fixture();
      const verifier = await postJson({ ...model, CodeVerifier: 'x'.repeat(43) });
      expect(verifier.status).toBe(400);
      expect(JSON.parse(verifier.text)).toEqual({ Message: 'code_verifier does not match the code challenge.' });
      const redirect = await postXml({ ...model, RedirectUri: 'https://app.example.com/other' });
      expect(redirect.status).toBe(400);
      expect(redirect.text).toBe('<Error><Message>The redirect_uri does not match the authorization request.</Message></Error>');
      expect((await postJson(model)).status).toBe(200);
    });

    it('refuses a used code', async () => {
      const { model } = await fixture();
      expect((await postJson(model)).status).toBe(200);
      const again = await postJson(model);
      expect(again.status).toBe(400);
      expect(JSON.parse(again.text)).toEqual({ Message: 'The authorization code has already been used.' });
    });

    it('refuses a Domain that is not the client\'s, without burning the code', async () => {
      const { model } = await fixture();
      const res = await postJson({ ...model, Domain: 'fabrikam' });
      expect(res.status).toBe(400);
      expect(res.text).toBe('{"Message":"The domain does not match the client."}');
      const xml = await postXml({ ...model, Domain: 'Contoso' });
      expect(xml.text).toBe('<Error><Message>The domain does not match the client.</Message></Error>');
      expect((await postJson(model)).status).toBe(200);
    });

    it('refuses a client of another profile, a confidential midnight client and an unknown one', async () => {
      const standard = await f.client({ profile: 'standard', type: 'public', domain: 'contoso' });
      const code = await f.code(standard, user.id);
      const res = await postJson({ Domain: 'contoso', AuthorizationCode: code.code, CodeVerifier: code.verifier, RedirectUri: standard.redirectUri, UserPoolWebClientId: standard.clientId });
      expect(res.status).toBe(400);
      expect(res.text).toBe('{"Message":"This client is not registered for this endpoint."}');

      const confidential = await midnightClient({ type: 'confidential' });
      const secretCode = await f.code(confidential, user.id);
      const noSecret = await postJson({ Domain: 'contoso', AuthorizationCode: secretCode.code, CodeVerifier: secretCode.verifier, RedirectUri: confidential.redirectUri, UserPoolWebClientId: confidential.clientId });
      expect(noSecret.status).toBe(400);
      expect(noSecret.text).toBe('{"Message":"Client authentication failed."}');

      const { model } = await fixture();
      const unknown = await postJson({ ...model, UserPoolWebClientId: 'nobody' });
      expect(unknown.status).toBe(400);
      expect(unknown.text).toBe('{"Message":"Client authentication failed."}');
    });
  });

  it('documents the dialect in Swagger under its tag, with JSON and XML examples and the error shapes', async () => {
    const doc = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as any;
    const operation = doc.paths[PATH].post;
    expect(operation.tags).toEqual(['midnight']);
    expect(Object.keys(operation.requestBody.content)).toEqual(['application/json', 'text/json', 'application/xml', 'text/xml']);
    expect(operation.requestBody.content['application/xml'].example).toMatch(/^<OAuth2AuthTokenRequestModel xmlns:xsi=/);
    expect(operation.responses['200'].content['application/json'].example).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(operation.responses['200'].content['application/xml'].example).toMatch(/^<AuthTokenResponseModel xmlns:xsi=.*<Name>/);
    expect(operation.responses['400'].content['application/json'].examples.validation.value.ModelState['model.Domain']).toEqual(['The Domain field is required.']);
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '406', '415', '500']));
    expect(doc.components.schemas.AuthTokenResponseModel.properties.expires_in.type).toBe('integer');
    // The any-case route is not a second documented path.
    expect(Object.keys(doc.paths).filter((p) => /authorizationcode/i.test(p))).toEqual([PATH]);
  });
});
