import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginFailed, loginThroughForm } from '../support/login-form.js';
import { OAuthFixtures } from '../support/oauth-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Failed sign-ins at the login page are limited like failed client authentications. */
describe('sign-in lockout (AUTH_FAILURE_LIMIT_PER_MINUTE=3)', () => {
  let t: TestApp;
  let f: OAuthFixtures;
  beforeAll(async () => {
    t = await startTestApp('login-lockout', { AUTH_FAILURE_LIMIT_PER_MINUTE: '3' });
    f = new OAuthFixtures(t);
  });
  afterAll(() => t?.close());

  const authorizeUrl = (clientId: string, redirectUri: string) =>
    `${t.baseUrl}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: 'openid',
      state: 's',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })}`;

  async function failedPage(url: string, username: string, password: string): Promise<string> {
    const outcome = await loginThroughForm(url, { username, password }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(LoginFailed);
    return (outcome as LoginFailed).page;
  }

  it('refuses even the right password after 3 wrong ones, without checking it, until the window ends', async () => {
    const user = await f.user();
    const client = await f.client();
    const url = authorizeUrl(client.clientId, client.redirectUri);
    for (let i = 0; i < 3; i++) expect(await failedPage(url, user.username, `wrong-${i}`)).toContain('Invalid username or password.');
    const locked = await failedPage(url, user.username, user.password);
    expect(locked).toMatch(/Too many failed sign-ins\. Try again in \d+ seconds\./);
    expect(locked).not.toContain('Invalid username or password.');
  });

  it('lets a correct sign-in through when nothing has failed', async () => {
    const fresh = await startTestApp('login-ok', { AUTH_FAILURE_LIMIT_PER_MINUTE: '3' });
    try {
      const fx = new OAuthFixtures(fresh);
      const user = await fx.user();
      const client = await fx.client();
      const callback = await loginThroughForm(
        `${fresh.baseUrl}/oauth2/authorize?${new URL(authorizeUrl(client.clientId, client.redirectUri)).search.slice(1)}`,
        user,
      );
      expect(callback.searchParams.get('code')).toBeTruthy();
    } finally {
      await fresh.close();
    }
  });
});
