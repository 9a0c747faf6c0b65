import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('discovery and JWKS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('discovery');
  });
  afterAll(() => t?.close());

  it('serves one metadata document at both well-known paths, for this issuer', async () => {
    const oidc = await (await fetch(`${t.baseUrl}/.well-known/openid-configuration`)).json();
    const rfc8414 = await (await fetch(`${t.baseUrl}/.well-known/oauth-authorization-server`)).json();
    expect(rfc8414).toEqual(oidc);
    expect(oidc).toMatchObject({
      issuer: t.baseUrl,
      authorization_endpoint: `${t.baseUrl}/oauth2/authorize`,
      token_endpoint: `${t.baseUrl}/oauth2/token`,
      jwks_uri: `${t.baseUrl}/oauth2/jwks`,
      userinfo_endpoint: `${t.baseUrl}/oauth2/userinfo`,
      revocation_endpoint: `${t.baseUrl}/oauth2/revoke`,
      introspection_endpoint: `${t.baseUrl}/oauth2/introspect`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      code_challenge_methods_supported: expect.arrayContaining(['S256']),
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      dpop_signing_alg_values_supported: expect.arrayContaining(['ES256']),
      authorization_response_iss_parameter_supported: true,
    });
  });

  it('publishes the signing keys as a JWK set, public parts only', async () => {
    const res = await fetch(`${t.baseUrl}/oauth2/jwks`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/jwk-set+json');
    const { keys } = (await res.json()) as { keys: Array<Record<string, unknown>> };
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const key of keys) {
      expect(key).toMatchObject({ kid: expect.any(String), alg: expect.stringMatching(/^(ES256|RS256)$/), use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
  });
});
