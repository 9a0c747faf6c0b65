import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, parseForm } from '../support/login-form.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { AWS_REDIRECT_URI, AWS_SAME_DEVICE, NO_RATE_LIMITS, pkce, ServiceDriver, type Client } from './support/hardening.js';

const CHROMIUM = '/usr/bin/chromium';

/** The CSP directives of a header value, by name. */
function directives(csp: string | null): Record<string, string> {
  return Object.fromEntries(
    (csp ?? '')
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => [d.split(/\s+/, 1)[0]!, d.slice(d.indexOf(' ') + 1)]),
  );
}

/**
 * Security headers of every HTML page (DESIGN.md §5): the sign-in page, its failure page
 * and its error page at every authorization path: a Content-Security-Policy that loads no
 * script at all and forbids framing (frame-ancestors 'none'), no referrer, no sniffing, no
 * caching. Swagger UI (/docs) runs its own scripts from this origin only, under a CSP of
 * its own that also forbids framing and sends no referrer; Chromium renders it under that
 * policy without a violation.
 */
describe('security headers of the HTML pages', () => {
  let t: TestApp;
  let d: ServiceDriver;
  let client: Client;

  beforeAll(async () => {
    t = await startTestApp('hardening-headers', { ...NO_RATE_LIMITS });
    d = new ServiceDriver(t.baseUrl);
    client = await d.client();
    await d.client({ clientId: AWS_SAME_DEVICE, profile: 'aws-signin', type: 'public', redirectUris: [AWS_REDIRECT_URI], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid'] });
  });
  afterAll(() => t?.close());

  const authorizeQuery = (clientId: string, redirectUri: string, extra: Record<string, string> = {}) =>
    new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid', state: 'xyz', code_challenge: pkce().challenge, code_challenge_method: 'S256', ...extra });

  function expectPageHeaders(res: Response, label: string) {
    expect(res.headers.get('content-type'), label).toMatch(/^text\/html/);
    const csp = directives(res.headers.get('content-security-policy'));
    expect(csp['default-src'], label).toBe("'none'");
    expect(csp['script-src'], `${label}: no script may run`).toBeUndefined();
    expect(csp['frame-ancestors'], label).toBe("'none'");
    expect(csp['base-uri'], label).toBe("'none'");
    expect(res.headers.get('x-frame-options'), label).toBe('DENY');
    expect(res.headers.get('referrer-policy'), label).toBe('no-referrer');
    expect(res.headers.get('x-content-type-options'), label).toBe('nosniff');
    expect(res.headers.get('cache-control'), label).toBe('no-store');
  }

  it('the sign-in page at /oauth2/authorize, /api/v1/oauth2/authorize and /v1/authorize', async () => {
    for (const path of ['/oauth2/authorize', '/api/v1/oauth2/authorize']) {
      const res = await fetch(`${t.baseUrl}${path}?${authorizeQuery(client.clientId, client.redirectUri)}`);
      expect(res.status).toBe(200);
      expectPageHeaders(res, path);
      expect(await res.text()).toMatch(/name="password"/);
    }
    const aws = await fetch(`${t.baseUrl}/v1/authorize?${authorizeQuery(AWS_SAME_DEVICE, AWS_REDIRECT_URI, { code_challenge_method: 'SHA-256' })}`);
    expect(aws.status).toBe(200);
    expectPageHeaders(aws, '/v1/authorize');
  });

  it('the page after a failed sign-in, and the error page', async () => {
    const jar = new CookieJar();
    const start = new URL(`${t.baseUrl}/oauth2/authorize?${authorizeQuery(client.clientId, client.redirectUri)}`);
    const page = await fetch(start);
    jar.store(start, page);
    const form = parseForm(await page.text());
    const failed = await fetch(new URL(form.action || '/oauth2/authorize', start), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header(start) },
      body: new URLSearchParams({ ...form.fields, username: 'nobody', password: 'wrong password' }),
      redirect: 'manual',
    });
    expect(failed.status).toBe(200);
    expect(await failed.text()).toMatch(/Invalid username or password/);
    expectPageHeaders(failed, 'failed sign-in');

    const unknown = await fetch(`${t.baseUrl}/oauth2/authorize?${authorizeQuery('no-such-client', client.redirectUri)}`);
    expect(unknown.status).toBe(400);
    expectPageHeaders(unknown, 'error page');
    // An error page holds no form, so it may not post anywhere either.
    expect(directives(unknown.headers.get('content-security-policy'))['form-action']).toBe("'none'");
  });

  it('Swagger UI at /docs: scripts from this origin only, no framing, no referrer', async () => {
    const res = await fetch(`${t.baseUrl}/docs`);
    expect(res.status).toBe(200);
    const csp = directives(res.headers.get('content-security-policy'));
    expect(csp['script-src']).toBe("'self'");
    expect(csp['frame-ancestors']).toBe("'none'");
    expect(csp['object-src']).toBe("'none'");
    expect(csp['base-uri']).toBe("'none'");
    expect(csp['connect-src']).toBe(`'self' ${t.baseUrl}`);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    // Its page has no inline script for the policy to forbid.
    expect(await res.text()).not.toMatch(/<script>(?!\s*<\/script>)|<script(?![^>]*\bsrc=)[^>]*>\s*\S/);
    const asset = await fetch(`${t.baseUrl}/docs/swagger-ui-init.js`);
    expect(asset.headers.get('content-security-policy')).toBe(res.headers.get('content-security-policy'));
  });

  it.skipIf(!existsSync(CHROMIUM))('Swagger UI renders in headless Chromium under its policy, without a violation', async () => {
    const userDataDir = mkdtempSync(join(tmpdir(), 'latchkey-chromium-docs-'));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--headless'],
    });
    const violations: string[] = [];
    try {
      const page = await context.newPage();
      page.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
      });
      await page.goto(`${t.baseUrl}/docs`);
      await page.waitForSelector('.swagger-ui .info .title', { timeout: 15_000 });
      expect(await page.textContent('.swagger-ui .info .title')).toMatch(/Latchkey/);
      await page.waitForSelector('.opblock-tag', { timeout: 15_000 });
      expect(await page.locator('.opblock-tag').count()).toBeGreaterThan(3);
      expect(violations).toEqual([]);
    } finally {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
