import { ClientRegistry } from '@latchkey/clients';
import { calculateJwkThumbprint, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthFixtures, basic } from '../support/oauth-fixtures.js';
import { adminRequest, startTestApp, type TestApp } from '../support/test-app.js';

const PASSWORD = 'correct horse battery staple';
const REDIRECT_URI = 'https://app.example.com/callback';

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * A browser without JavaScript, as far as this endpoint can tell: fetch with manual
 * redirects and a cookie jar that keeps what Set-Cookie says (for any path on this host).
 */
class Browser {
  readonly jar = new Map<string, string>();
  readonly setCookies: string[] = [];

  constructor(private readonly baseUrl: string) {}

  get(pathAndQuery: string) {
    return this.request('GET', pathAndQuery);
  }

  post(path: string, form: Record<string, string>, contentType = 'application/x-www-form-urlencoded') {
    const body = contentType.includes('json') ? JSON.stringify(form) : new URLSearchParams(form).toString();
    return this.request('POST', path, body, contentType);
  }

  private async request(method: string, path: string, body?: string, contentType?: string) {
    const headers: Record<string, string> = {};
    if (this.jar.size > 0) headers.cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    if (contentType) headers['content-type'] = contentType;
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
    for (const cookie of res.headers.getSetCookie()) {
      this.setCookies.push(cookie);
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/max-age=0/i.test(cookie) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, location: res.headers.get('location') };
  }
}

/** The sign-in form's fields, read from the page the way a browser would submit it. */
function readForm(html: string) {
  const form = /<form method="post" action="([^"]+)">/.exec(html);
  const interaction = /<input type="hidden" name="interaction" value="([^"]+)">/.exec(html);
  const username = /<input id="username" name="username" type="text" value="([^"]*)"/.exec(html);
  expect(form, 'the page has the sign-in form').not.toBeNull();
  expect(interaction).not.toBeNull();
  return { action: form![1]!, interaction: interaction![1]!, username: username?.[1] ?? null };
}

describe('GET/POST /oauth2/authorize', () => {
  let t: TestApp;
  let f: OAuthFixtures;
  let user: Awaited<ReturnType<OAuthFixtures['user']>>;
  let spa: Awaited<ReturnType<OAuthFixtures['client']>>;

  beforeAll(async () => {
    t = await startTestApp('authorize');
    f = new OAuthFixtures(t);
    user = await f.user();
    spa = await f.client({ name: 'Example App' });
  });
  afterAll(() => t?.close());

  const query = (params: Record<string, string>) => `/oauth2/authorize?${new URLSearchParams(params)}`;
  const request = (client: { clientId: string; redirectUri: string }, extra: Record<string, string> = {}) => {
    const { verifier, challenge } = pkce();
    const params: Record<string, string> = {
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: client.redirectUri,
      scope: 'openid profile email',
      state: `state-${randomBytes(4).toString('hex')}`,
      nonce: `nonce-${randomBytes(4).toString('hex')}`,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra,
    };
    return { params, verifier, url: query(params) };
  };
  const callbackParams = (location: string | null) => {
    expect(location).toBeTruthy();
    return Object.fromEntries(new URL(location!).searchParams);
  };

  /** Signs in through the form; answers the 303's callback parameters. */
  async function signIn(browser: Browser, url: string, username = user.username, password = PASSWORD) {
    const page = await browser.get(url);
    expect(page.status).toBe(200);
    const form = readForm(page.text);
    const done = await browser.post(form.action, { interaction: form.interaction, username, password });
    expect(done.status).toBe(303);
    return { res: done, params: callbackParams(done.location) };
  }

  async function redeem(client: { clientId: string; redirectUri: string; clientSecret?: string }, code: string, verifier?: string) {
    const form: Record<string, string> = { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri };
    if (verifier) form.code_verifier = verifier;
    if (!client.clientSecret) form.client_id = client.clientId;
    return f.post('/oauth2/token', form, client.clientSecret ? { authorization: basic(client.clientId, client.clientSecret) } : {});
  }

  describe('signing in through the form', () => {
    it('shows the sign-in page, and on success redirects with code, state and iss; the code redeems with PKCE', async () => {
      const browser = new Browser(t.baseUrl);
      const { params, verifier, url } = request(spa);
      const page = await browser.get(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.text).toContain('<strong>Example App</strong>');
      expect(page.text).toMatch(/<input id="username" name="username" type="text"/);
      expect(page.text).toMatch(/<input id="password" name="password" type="password"/);
      expect(page.text).toMatch(/<button type="submit">Sign in<\/button>/);
      expect(page.text).not.toMatch(/<script|<link|src=/i);
      const form = readForm(page.text);
      expect(form.action).toBe('/oauth2/authorize');
      // The interaction cookie binds the form to this browser.
      const interactionCookie = browser.setCookies.find((c) => c.startsWith('latchkey_interaction='));
      expect(interactionCookie).toMatch(/; Path=\/oauth2\/authorize; Max-Age=600; HttpOnly; SameSite=Lax$/);

      const before = Math.floor(Date.now() / 1000);
      const done = await browser.post(form.action, { interaction: form.interaction, username: user.username, password: PASSWORD });
      expect(done.status).toBe(303);
      expect(done.location!.startsWith(`${REDIRECT_URI}?`)).toBe(true);
      const callback = callbackParams(done.location);
      expect(Object.keys(callback).sort()).toEqual(['code', 'iss', 'state']);
      expect(callback).toMatchObject({ state: params.state, iss: t.baseUrl });
      expect(done.headers.get('cache-control')).toBe('no-store');
      const session = browser.setCookies.find((c) => c.startsWith('latchkey_session='));
      expect(session).toMatch(/^latchkey_session=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; Max-Age=28800; HttpOnly; SameSite=Lax$/);
      expect(session).not.toMatch(/Secure/); // the issuer is http here

      const tokens = await redeem(spa, callback.code!, verifier);
      expect(tokens.status).toBe(200);
      const jwks = createRemoteJWKSet(new URL(`${t.baseUrl}/oauth2/jwks`));
      const { payload } = await jwtVerify(tokens.body.id_token, jwks, { issuer: t.baseUrl, audience: spa.clientId });
      expect(payload).toMatchObject({ sub: user.id, nonce: params.nonce, name: 'Ada Lovelace' });
      expect(payload.auth_time).toBeGreaterThanOrEqual(before);
      expect(payload.auth_time).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    });

    it('shows the page again with a message after a wrong password, and the retry works', async () => {
      const browser = new Browser(t.baseUrl);
      const { url } = request(spa);
      const form = readForm((await browser.get(url)).text);
      const failed = await browser.post('/oauth2/authorize', { interaction: form.interaction, username: user.username, password: 'wrong password' });
      expect(failed.status).toBe(200);
      expect(failed.location).toBeNull();
      expect(failed.text).toContain('<p class="error" role="alert">Invalid username or password.</p>');
      expect(failed.text).toContain('<strong>Example App</strong>');
      const again = readForm(failed.text);
      expect(again.username).toBe(user.username);
      expect(browser.jar.has('latchkey_session')).toBe(false);

      // An unknown user gets the very same message.
      const unknown = await browser.post('/oauth2/authorize', { interaction: again.interaction, username: 'nobody-here', password: PASSWORD });
      expect(unknown.text).toContain('Invalid username or password.');

      const ok = await browser.post('/oauth2/authorize', { interaction: again.interaction, username: user.username, password: PASSWORD });
      expect(ok.status).toBe(303);
      expect(callbackParams(ok.location).code).toBeTruthy();
    });

    it('refuses a disabled user with the same message', async () => {
      const disabled = await f.user();
      await adminRequest(t, 'PATCH', `/admin/users/${disabled.id}`, { disabled: true });
      const browser = new Browser(t.baseUrl);
      const form = readForm((await browser.get(request(spa).url)).text);
      const res = await browser.post('/oauth2/authorize', { interaction: form.interaction, username: disabled.username, password: PASSWORD });
      expect(res.status).toBe(200);
      expect(res.text).toContain('Invalid username or password.');
    });

    it('escapes everything it puts into the page (client name, login_hint, typed username)', async () => {
      const evil = await f.client({ name: '<script>alert(1)</script> & "Co"' });
      const browser = new Browser(t.baseUrl);
      const page = await browser.get(request(evil, { login_hint: '"><img src=x onerror=alert(1)>' }).url);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('<script>alert(1)');
      expect(page.text).not.toContain('<img');
      expect(page.text).toContain('<strong>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;</strong>');
      expect(readForm(page.text).username).toBe('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    });

    it('prefills the username with login_hint', async () => {
      const page = await new Browser(t.baseUrl).get(request(spa, { login_hint: user.username }).url);
      expect(readForm(page.text).username).toBe(user.username);
      expect(page.text).toMatch(/type="password" autocomplete="current-password" required autofocus>/);
    });

    it('sends the security headers with the page', async () => {
      const page = await new Browser(t.baseUrl).get(request(spa).url);
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self' https:\/\/app\.example\.com; frame-ancestors 'none'; base-uri 'none'$/);
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      // The inline stylesheet is the one the hash allows.
      const style = /<style>([\s\S]*?)<\/style>/.exec(page.text)![1]!;
      expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    });
  });

  describe('errors shown on a page, never redirected', () => {
    it.each([
      ['an unknown client', (p: Record<string, string>) => ({ ...p, client_id: 'no-such-client' })],
      ['no client_id', (p: Record<string, string>) => ({ ...p, client_id: '' })],
      ['an unregistered redirect_uri', (p: Record<string, string>) => ({ ...p, redirect_uri: 'https://evil.example.com/callback' })],
      ['a redirect_uri that only differs by a trailing slash', (p: Record<string, string>) => ({ ...p, redirect_uri: `${REDIRECT_URI}/` })],
      ['an openid request without redirect_uri', (p: Record<string, string>) => ({ ...p, redirect_uri: '' })],
    ])('%s → 400 page', async (_name, change) => {
      const res = await new Browser(t.baseUrl).get(query(change(request(spa).params)));
      expect(res.status).toBe(400);
      expect(res.location).toBeNull();
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.text).toContain('<h1>Sign-in cannot continue</h1>');
      expect(res.headers.get('content-security-policy')).toContain("form-action 'none'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('shows a page for a disabled client and for a repeated redirect_uri', async () => {
      const off = await f.client();
      await adminRequest(t, 'PATCH', `/admin/clients/${encodeURIComponent(off.clientId)}`, { disabled: true });
      t.app.get(ClientRegistry).invalidate(off.clientId);
      expect((await new Browser(t.baseUrl).get(request(off).url)).status).toBe(400);
      const repeated = `${request(spa).url}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`;
      const res = await new Browser(t.baseUrl).get(repeated);
      expect(res.status).toBe(400);
      expect(res.location).toBeNull();
    });

    it('defaults redirect_uri to the only registered one for a plain OAuth request', async () => {
      const { params } = request(spa, { scope: 'profile' });
      delete (params as Record<string, string | undefined>).redirect_uri;
      const browser = new Browser(t.baseUrl);
      const form = readForm((await browser.get(query(params))).text);
      const done = await browser.post('/oauth2/authorize', { interaction: form.interaction, username: user.username, password: PASSWORD });
      expect(done.location!.startsWith(`${REDIRECT_URI}?code=`)).toBe(true);
    });
  });

  describe('errors sent back to the redirect_uri', () => {
    async function errorOf(params: Record<string, string>) {
      const res = await new Browser(t.baseUrl).get(query(params));
      expect(res.status).toBe(303);
      expect(res.location!.startsWith(`${REDIRECT_URI}?`)).toBe(true);
      const callback = callbackParams(res.location);
      expect(callback.iss).toBe(t.baseUrl);
      expect(callback.code).toBeUndefined();
      expect(callback.error_description).toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/);
      return callback;
    }

    it('response_type=token → unsupported_response_type, with state and iss', async () => {
      const { params } = request(spa, { response_type: 'token' });
      expect(await errorOf(params)).toMatchObject({ error: 'unsupported_response_type', state: params.state });
      const missing = request(spa);
      delete (missing.params as Record<string, string | undefined>).response_type;
      expect((await errorOf(missing.params)).error).toBe('invalid_request');
    });

    it('a public client without PKCE, or with plain → invalid_request', async () => {
      const { params } = request(spa);
      delete (params as Record<string, string | undefined>).code_challenge;
      delete (params as Record<string, string | undefined>).code_challenge_method;
      expect(await errorOf(params)).toMatchObject({ error: 'invalid_request', state: params.state });
      expect((await errorOf(request(spa, { code_challenge_method: 'plain', code_challenge: pkce().verifier }).params)).error).toBe('invalid_request');
      // No method means plain (RFC 7636 §4.3): refused too.
      const absent = request(spa);
      delete (absent.params as Record<string, string | undefined>).code_challenge_method;
      expect((await errorOf(absent.params)).error_description).toMatch(/S256/);
      expect((await errorOf(request(spa, { code_challenge_method: 'S512' }).params)).error).toBe('invalid_request');
      expect((await errorOf(request(spa, { code_challenge: 'too-short' }).params)).error).toBe('invalid_request');
    });

    it('a scope outside the client scopes → invalid_scope', async () => {
      expect((await errorOf(request(spa, { scope: 'openid admin' }).params)).error).toBe('invalid_scope');
    });

    it('a client that may not use codes → unauthorized_client', async () => {
      const machine = await f.client({ type: 'confidential', grantTypes: ['client_credentials'], redirectUris: [REDIRECT_URI] });
      expect((await errorOf(request(machine).params)).error).toBe('unauthorized_client');
    });

    it('bad prompt, max_age, repeated parameters and request objects → invalid_request or request_not_supported', async () => {
      expect((await errorOf(request(spa, { prompt: 'none login' }).params)).error).toBe('invalid_request');
      expect((await errorOf(request(spa, { prompt: 'dance' }).params)).error).toBe('invalid_request');
      expect((await errorOf(request(spa, { max_age: '-1' }).params)).error).toBe('invalid_request');
      expect((await errorOf(request(spa, { response_mode: 'fragment' }).params)).error).toBe('invalid_request');
      expect((await errorOf(request(spa, { request: 'eyJhbGciOiJub25lIn0.e30.' }).params)).error).toBe('request_not_supported');
      const repeated = await new Browser(t.baseUrl).get(`${request(spa).url}&scope=openid`);
      expect(callbackParams(repeated.location)).toMatchObject({ error: 'invalid_request', error_description: 'The scope parameter is repeated.' });
    });

    it('ignores parameters it does not know', async () => {
      const page = await new Browser(t.baseUrl).get(request(spa, { ui_locales: 'fr', display: 'popup', foo: 'bar' }).url);
      expect(page.status).toBe(200);
      readForm(page.text);
    });
  });

  describe('the session cookie', () => {
    async function signedInBrowser() {
      const browser = new Browser(t.baseUrl);
      const { params } = await signIn(browser, request(spa).url);
      expect(browser.jar.has('latchkey_session')).toBe(true);
      return { browser, code: params.code! };
    }

    it('prompt=none without a session → login_required', async () => {
      const { params, url } = request(spa, { prompt: 'none' });
      const res = await new Browser(t.baseUrl).get(url);
      expect(res.status).toBe(303);
      expect(callbackParams(res.location)).toMatchObject({ error: 'login_required', state: params.state, iss: t.baseUrl });
    });

    it('skips the form for a signed-in browser (also with prompt=none), keeping auth_time', async () => {
      const { browser } = await signedInBrowser();
      for (const extra of [{}, { prompt: 'none' }, { max_age: '3600' }] as Record<string, string>[]) {
        const { params, verifier, url } = request(spa, extra);
        const res = await browser.get(url);
        expect(res.status).toBe(303);
        const callback = callbackParams(res.location);
        expect(callback).toMatchObject({ state: params.state, iss: t.baseUrl });
        const tokens = await redeem(spa, callback.code!, verifier);
        expect(tokens.status).toBe(200);
        const idToken = JSON.parse(Buffer.from(tokens.body.id_token.split('.')[1], 'base64url').toString());
        expect(idToken).toMatchObject({ sub: user.id, nonce: params.nonce, auth_time: expect.any(Number) });
        expect(idToken.auth_time).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
      }
    });

    it('shows the form again for prompt=login, prompt=select_account and max_age=0', async () => {
      const { browser } = await signedInBrowser();
      for (const extra of [{ prompt: 'login' }, { prompt: 'select_account' }, { max_age: '0' }] as Record<string, string>[]) {
        const res = await browser.get(request(spa, extra).url);
        expect(res.status).toBe(200);
        readForm(res.text);
      }
      // prompt=none with a sign-in older than max_age cannot show the form.
      const stale = await browser.get(request(spa, { prompt: 'none', max_age: '0' }).url);
      expect(callbackParams(stale.location).error).toBe('login_required');
      // After signing in again (prompt=login), the code comes at once.
      const { params } = await signIn(browser, request(spa, { prompt: 'login' }).url);
      expect(params.code).toBeTruthy();
    });

    it('does not let a disabled user through, and clears the cookie', async () => {
      const someone = await f.user();
      const browser = new Browser(t.baseUrl);
      await signIn(browser, request(spa).url, someone.username);
      await adminRequest(t, 'PATCH', `/admin/users/${someone.id}`, { disabled: true });
      const res = await browser.get(request(spa, { prompt: 'none' }).url);
      expect(callbackParams(res.location).error).toBe('login_required');
      expect(res.headers.getSetCookie().some((c) => /^latchkey_session=; Path=\/; Max-Age=0/.test(c))).toBe(true);
      expect(browser.jar.has('latchkey_session')).toBe(false);
    });

    it('ignores a forged session cookie', async () => {
      const browser = new Browser(t.baseUrl);
      const { browser: real } = await signedInBrowser();
      const [h, p, s] = real.jar.get('latchkey_session')!.split('.');
      const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
      browser.jar.set('latchkey_session', [h, Buffer.from(JSON.stringify({ ...payload, sub: randomBytes(16).toString('hex') })).toString('base64url'), s].join('.'));
      const res = await browser.get(request(spa, { prompt: 'none' }).url);
      expect(callbackParams(res.location).error).toBe('login_required');
    });
  });

  describe('the interaction value', () => {
    it('refuses a tampered, foreign or missing interaction with a 400 page', async () => {
      const browser = new Browser(t.baseUrl);
      const form = readForm((await browser.get(request(spa).url)).text);
      const [h, p, s] = form.interaction.split('.');
      const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
      claims.req.redirectUri = 'https://evil.example.com/callback';
      const tampered = [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), s].join('.');
      for (const interaction of [tampered, `${form.interaction}x`, 'not-a-jws']) {
        const res = await browser.post('/oauth2/authorize', { interaction, username: user.username, password: PASSWORD });
        expect(res.status).toBe(400);
        expect(res.location).toBeNull();
        expect(res.text).toContain('This sign-in form is not valid.');
      }
      // The same, valid form posted from a browser that does not hold its cookie (login CSRF).
      const elsewhere = await new Browser(t.baseUrl).post('/oauth2/authorize', { interaction: form.interaction, username: user.username, password: PASSWORD });
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.text).toContain('opened in another browser');
      expect(elsewhere.headers.getSetCookie().some((c) => c.startsWith('latchkey_session='))).toBe(false);
    });

    it('keeps forms in several tabs of one browser working', async () => {
      const browser = new Browser(t.baseUrl);
      const a = readForm((await browser.get(request(spa).url)).text);
      const b = readForm((await browser.get(request(spa).url)).text);
      expect((await browser.post('/oauth2/authorize', { interaction: a.interaction, username: user.username, password: PASSWORD })).status).toBe(303);
      expect((await browser.post('/oauth2/authorize', { interaction: b.interaction, username: user.username, password: PASSWORD })).status).toBe(303);
    });
  });

  describe('POSTed authorization requests (OpenID Connect Core §3.1.2.1)', () => {
    it('handles a form-encoded authorization request like GET', async () => {
      const browser = new Browser(t.baseUrl);
      const { params, verifier } = request(spa);
      const page = await browser.post('/oauth2/authorize', params);
      expect(page.status).toBe(200);
      const form = readForm(page.text);
      const done = await browser.post('/oauth2/authorize', { interaction: form.interaction, username: user.username, password: PASSWORD });
      const callback = callbackParams(done.location);
      expect(callback.state).toBe(params.state);
      expect((await redeem(spa, callback.code!, verifier)).status).toBe(200);

      const error = await browser.post('/oauth2/authorize', { ...params, response_type: 'token' });
      expect(callbackParams(error.location).error).toBe('unsupported_response_type');
    });

    it('refuses a body that is not a form with a 415 page', async () => {
      const res = await new Browser(t.baseUrl).post('/oauth2/authorize', request(spa).params, 'application/json');
      expect(res.status).toBe(415);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    });
  });

  it('is documented in the OpenAPI document under oauth2, with every parameter and the 303/400 answers', async () => {
    const doc: any = await (await fetch(`${t.baseUrl}/docs-json`)).json();
    const { get, post } = doc.paths['/oauth2/authorize'];
    expect(get.tags).toEqual(['oauth2']);
    expect(post.tags).toEqual(['oauth2']);
    const names = get.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age', 'login_hint']),
    );
    for (const operation of [get, post]) expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '303', '400']));
    const form = post.requestBody.content['application/x-www-form-urlencoded'].schema;
    const schema = form.$ref ? doc.components.schemas[form.$ref.split('/').pop()] : form;
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['interaction', 'username', 'password', 'response_type', 'client_id', 'code_challenge']));
  });

  describe('clients of other kinds', () => {
    it('lets a confidential client without requirePkce go without PKCE, and redeems with its secret', async () => {
      const web = await f.client({ type: 'confidential', grantTypes: ['authorization_code', 'refresh_token'] });
      const { params } = request(web);
      delete (params as Record<string, string | undefined>).code_challenge;
      delete (params as Record<string, string | undefined>).code_challenge_method;
      const { params: callback } = await signIn(new Browser(t.baseUrl), query(params));
      const tokens = await redeem(web, callback.code!);
      expect(tokens.status).toBe(200);
      expect(tokens.body.id_token).toBeTruthy();
    });

    it('binds the code to the DPoP key named by dpop_jkt (RFC 9449 §10)', async () => {
      const { publicKey, privateKey } = await generateKeyPair('ES256');
      const jwk = await exportJWK(publicKey);
      const jkt = await calculateJwkThumbprint(jwk);
      const proof = () =>
        new SignJWT({ htm: 'POST', htu: `${t.baseUrl}/oauth2/token`, jti: randomBytes(12).toString('base64url') })
          .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
          .setIssuedAt()
          .sign(privateKey);
      const form = (code: string, verifier: string) => ({ grant_type: 'authorization_code', code, redirect_uri: spa.redirectUri, client_id: spa.clientId, code_verifier: verifier });

      const bound = request(spa, { dpop_jkt: jkt });
      const { params: first } = await signIn(new Browser(t.baseUrl), bound.url);
      const withoutProof = await f.post('/oauth2/token', form(first.code!, bound.verifier));
      expect(withoutProof.body).toMatchObject({ error: 'invalid_grant' });
      const withProof = await f.post('/oauth2/token', form(first.code!, bound.verifier), { dpop: await proof() });
      expect(withProof.status).toBe(200);
      expect(withProof.body.token_type).toBe('DPoP');
    });

    it('accepts plain PKCE only from a client configured for it', async () => {
      const plainy = await f.client();
      await t.app.get(DataSource).query(`UPDATE clients SET allow_plain_pkce = true WHERE client_id = $1`, [plainy.clientId]);
      t.app.get(ClientRegistry).invalidate(plainy.clientId);
      const verifier = pkce().verifier;
      const { params } = request(plainy, { code_challenge: verifier, code_challenge_method: 'plain' });
      const { params: callback } = await signIn(new Browser(t.baseUrl), query(params));
      expect((await redeem(plainy, callback.code!, verifier)).status).toBe(200);
    });
  });
});
