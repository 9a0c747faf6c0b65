import { DPOP_SIGNING_ALGORITHMS } from './dpop/dpop-proof.verifier.js';

/** The standard endpoints, relative to the issuer (DESIGN.md §4). */
export const ENDPOINT_PATHS = {
  authorization: '/oauth2/authorize',
  token: '/oauth2/token',
  revocation: '/oauth2/revoke',
  introspection: '/oauth2/introspect',
  userinfo: '/oauth2/userinfo',
  jwks: '/oauth2/jwks',
} as const;

export const SUPPORTED_SCOPES = ['openid', 'profile', 'email', 'offline_access'];
export const SUPPORTED_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'];
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'];

/**
 * Authorization server metadata: RFC 8414 and OpenID Connect Discovery 1.0 share one
 * document, served at both well-known paths.
 */
export function buildServerMetadata(issuer: string): Record<string, unknown> {
  const url = (path: string) => `${issuer}${path}`;
  return {
    issuer,
    authorization_endpoint: url(ENDPOINT_PATHS.authorization),
    token_endpoint: url(ENDPOINT_PATHS.token),
    userinfo_endpoint: url(ENDPOINT_PATHS.userinfo),
    jwks_uri: url(ENDPOINT_PATHS.jwks),
    revocation_endpoint: url(ENDPOINT_PATHS.revocation),
    introspection_endpoint: url(ENDPOINT_PATHS.introspection),
    scopes_supported: SUPPORTED_SCOPES,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: SUPPORTED_GRANT_TYPES,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256', 'RS256'],
    token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    // `plain` is accepted only from clients configured for it.
    code_challenge_methods_supported: ['S256', 'plain'],
    dpop_signing_alg_values_supported: DPOP_SIGNING_ALGORITHMS,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'name', 'email'],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    prompt_values_supported: ['none', 'login'],
    authorization_response_iss_parameter_supported: true,
    service_documentation: url('/docs'),
  };
}
