import * as oauth from 'oauth4webapi';
import { createHash, randomBytes } from 'node:crypto';
import { adminRequest, type TestApp } from './test-app.js';

/** Users, clients and codes for protocol suites, made through the admin API. */
export class OAuthFixtures {
  private counter = 0;
  constructor(readonly t: TestApp) {}

  unique(prefix: string): string {
    return `${prefix}-${++this.counter}-${randomBytes(3).toString('hex')}`;
  }

  async user(overrides: Record<string, unknown> = {}): Promise<{ id: string; username: string; password: string; name: string }> {
    const username = this.unique('user');
    const body = { username, password: 'correct horse battery staple', name: 'Ada Lovelace', email: `${username}@example.com`, ...overrides };
    const res = await adminRequest(this.t, 'POST', '/admin/users', body);
    if (res.status !== 201) throw new Error(`user: ${res.status} ${JSON.stringify(res.body)}`);
    return { ...res.body, password: body.password };
  }

  async client(overrides: Record<string, unknown> = {}): Promise<{ clientId: string; clientSecret?: string; redirectUri: string }> {
    const redirectUri = 'https://app.example.com/callback';
    const res = await adminRequest(this.t, 'POST', '/admin/clients', {
      clientId: this.unique('client'),
      name: 'Example App',
      profile: 'standard',
      type: 'public',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      ...overrides,
    });
    if (res.status !== 201) throw new Error(`client: ${res.status} ${JSON.stringify(res.body)}`);
    return { clientId: res.body.clientId, clientSecret: res.body.clientSecret, redirectUri: res.body.redirectUris[0] ?? redirectUri };
  }

  /** A code from the trusted-front-end admin route, with a PKCE pair. */
  async code(
    client: { clientId: string; redirectUri: string },
    userId: string,
    options: { scope?: string; nonce?: string; expiresIn?: number; pkce?: boolean } = {},
  ): Promise<{ code: string; verifier: string }> {
    const verifier = randomBytes(32).toString('base64url');
    const pkce = options.pkce === false ? {} : { codeChallenge: createHash('sha256').update(verifier).digest('base64url'), codeChallengeMethod: 'S256' };
    const res = await adminRequest(this.t, 'POST', '/admin/authorization-codes', {
      clientId: client.clientId,
      userId,
      redirectUri: client.redirectUri,
      scope: options.scope ?? 'openid profile email',
      ...(options.nonce ? { nonce: options.nonce } : {}),
      ...(options.expiresIn ? { expiresIn: options.expiresIn } : {}),
      ...pkce,
    });
    if (res.status !== 201) throw new Error(`code: ${res.status} ${JSON.stringify(res.body)}`);
    return { code: res.body.code, verifier };
  }

  /** The authorization server as oauth4webapi sees it, from discovery. */
  async authorizationServer(): Promise<oauth.AuthorizationServer> {
    const issuer = new URL(this.t.baseUrl);
    const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', [oauth.allowInsecureRequests]: true });
    return oauth.processDiscoveryResponse(issuer, response);
  }

  /** A raw form POST to a standard endpoint. */
  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    const res = await fetch(`${this.t.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }
}

export const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
