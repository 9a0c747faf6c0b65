import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthFixtures } from '../support/oauth-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Debian's `chromium` package; CI installs it. No browser is ever downloaded through npm. */
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`login-page browser test skipped: ${CHROMIUM} is absent (install the Debian package: apt-get install -y chromium)`);

describe.skipIf(!available)(`the login page in headless Chromium${available ? '' : ` (skipped: ${CHROMIUM} is absent; apt-get install -y chromium)`}`, () => {
  let t: TestApp;
  let f: OAuthFixtures;
  let context: BrowserContext;
  let userDataDir: string;
  let callback: Server;
  let callbackBase: string;
  const received: URLSearchParams[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    t = await startTestApp('login_browser');
    f = new OAuthFixtures(t);
    // The client's redirect URI: a tiny server that records what the browser brings back.
    callback = createServer((req, res) => {
      // (Chromium also asks this origin for /favicon.ico.)
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/cb') received.push(url.searchParams);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Back at the app</title><p>done</p>');
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    const address = callback.address();
    callbackBase = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/cb`;

    userDataDir = mkdtempSync(join(tmpdir(), 'latchkey-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--headless'],
    });
    context.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) cspViolations.push(message.text());
    });
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await new Promise((resolve) => callback?.close(resolve));
    await t?.close();
  });

  function authorizeUrl(clientId: string, extra: Record<string, string> = {}) {
    const verifier = randomBytes(32).toString('base64url');
    const state = `state-${randomBytes(6).toString('hex')}`;
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: callbackBase,
      scope: 'openid profile',
      state,
      nonce: `nonce-${randomBytes(6).toString('hex')}`,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...extra,
    });
    return { url: `${t.baseUrl}/oauth2/authorize?${params}`, verifier, state };
  }

  it('signs in by filling the form and clicking the button, and lands on the redirect_uri with code and state', async () => {
    const user = await f.user();
    const client = await f.client({ name: 'Browser Test App', redirectUris: [callbackBase] });
    const page = await context.newPage();
    const { url, verifier, state } = authorizeUrl(client.clientId);

    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('Sign in to Browser Test App');
    expect(await page.locator('main strong').textContent()).toBe('Browser Test App');
    const screenshot = join(userDataDir, 'login-page.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(readFileSync(screenshot).subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a'); // a PNG
    // The inline stylesheet applied (the CSP hash matches): the button is styled.
    const background = await page
      .locator('button[type=submit]')
      .evaluate((b) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(b).backgroundColor);
    expect(background).toBe('rgb(47, 111, 237)');

    await page.fill('input[name=username]', user.username);
    await page.fill('input[name=password]', user.password);
    await Promise.all([page.waitForURL((u) => u.href.startsWith(callbackBase)), page.click('button[type=submit]')]);

    const landed = new URL(page.url());
    expect(landed.searchParams.get('state')).toBe(state);
    expect(landed.searchParams.get('iss')).toBe(t.baseUrl);
    const code = landed.searchParams.get('code');
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(received.at(-1)?.get('code')).toBe(code);
    expect(await page.textContent('p')).toBe('done');

    // The code is good at the token endpoint.
    const tokens = await f.post('/oauth2/token', { grant_type: 'authorization_code', code: code!, redirect_uri: callbackBase, client_id: client.clientId, code_verifier: verifier });
    expect(tokens.status).toBe(200);
    expect(tokens.body.id_token).toBeTruthy();

    // The session cookie is HttpOnly and Lax, and the next authorization skips the form.
    const cookies = await context.cookies(t.baseUrl);
    expect(cookies.find((c) => c.name === 'latchkey_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    const again = authorizeUrl(client.clientId);
    await page.goto(again.url);
    await page.waitForURL((u) => u.href.startsWith(callbackBase));
    expect(new URL(page.url()).searchParams.get('state')).toBe(again.state);
    expect(cspViolations).toEqual([]);
    await page.close();
  });

  it('shows the message after a wrong password and keeps the username', async () => {
    const user = await f.user();
    const client = await f.client({ name: 'Second App', redirectUris: [callbackBase] });
    const page = await context.newPage();
    await page.goto(authorizeUrl(client.clientId, { prompt: 'login' }).url);
    await page.fill('input[name=username]', user.username);
    await page.fill('input[name=password]', 'not the password');
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    await page.waitForSelector('p.error');
    expect(await page.textContent('p.error')).toBe('Invalid username or password.');
    expect(await page.inputValue('input[name=username]')).toBe(user.username);
    expect(new URL(page.url()).pathname).toBe('/oauth2/authorize');

    await page.fill('input[name=password]', user.password);
    await Promise.all([page.waitForURL((u) => u.href.startsWith(callbackBase)), page.click('button[type=submit]')]);
    expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
    expect(cspViolations).toEqual([]);
    await page.close();
  });
});
