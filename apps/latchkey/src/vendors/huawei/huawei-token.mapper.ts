import { OAuthError, type TokenRequest, type TokenResult } from '@latchkey/token-exchange';
import type { FastifyRequest } from 'fastify';
import { clientAuthentication } from '../../oauth/oauth-request.js';
import { dialectFields } from '../common/dialect-body.js';
import { NO_STORE, type DialectResponse } from '../common/dialect-response.js';
import { HUAWEI_GRANT_TYPES, HUAWEI_REQUEST_ROOT, HUAWEI_RESPONSE_ROOT, type HuaweiTokenRequest, type HuaweiTokenResponse } from './huawei-token.dto.js';

/** The parameters of HuaweiTokenRequest, in its order (the first invalid one is reported). */
const PARAMETERS = ['grant_type', 'code', 'client_id', 'client_secret', 'redirect_uri', 'code_verifier', 'refresh_token'] as const satisfies ReadonlyArray<keyof HuaweiTokenRequest>;

/** The body: a form (the vendor's format), JSON or XML; 415 for anything else, 400 for a repeated parameter. */
export function huaweiFields(request: FastifyRequest, body: unknown): Record<string, unknown> {
  return dialectFields(request, body, ['form', 'json', 'xml']);
}

/**
 * The parameters (XML: root <TokenRequest>, one element per parameter). Unknown parameters
 * are ignored, empty (or JSON null) ones count as absent, a non-string one is
 * invalid_request. Checked by hand, not by class-validator: every rule is "a string when
 * sent", and on this hot path class-validator's pass cost more than the rest of the
 * controller together (README, "Dialects and class-validator").
 */
export function readHuaweiRequest(request: FastifyRequest, fields: Record<string, unknown>): HuaweiTokenRequest {
  if (request.bodyFormat === 'xml' && request.xmlRoot !== HUAWEI_REQUEST_ROOT) {
    throw new OAuthError('invalid_request', `The XML root element must be <${HUAWEI_REQUEST_ROOT}>.`);
  }
  const parameters: HuaweiTokenRequest = {};
  for (const name of PARAMETERS) {
    const value = fields[name];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string') throw new OAuthError('invalid_request', `The ${name} parameter must be a string.`, { field: name });
    parameters[name] = value;
  }
  return parameters;
}

/**
 * The neutral request. Only the two grants of this endpoint; the client authenticates
 * with its secret, in the body (client_secret_post, as documented) or by HTTP Basic.
 */
export function toTokenRequest(request: FastifyRequest, parameters: HuaweiTokenRequest): TokenRequest {
  const grantType = parameters.grant_type;
  if (grantType === undefined) throw new OAuthError('invalid_request', 'The grant_type parameter is required.', { field: 'grant_type' });
  if (!(HUAWEI_GRANT_TYPES as readonly string[]).includes(grantType)) {
    throw new OAuthError('unsupported_grant_type', `The grant type "${grantType}" is not supported.`, { field: 'grant_type' });
  }
  // The document makes redirect_uri mandatory (the core would default it for a client with one URI).
  if (grantType === 'authorization_code' && parameters.redirect_uri === undefined) {
    throw new OAuthError('invalid_request', 'The redirect_uri parameter is required.', { field: 'redirect_uri' });
  }
  const client = clientAuthentication(request, { ...parameters } as Record<string, string>);
  if (client.method === 'none') {
    throw new OAuthError('invalid_client', 'Client authentication is required: send client_secret, or use HTTP Basic.', { status: 401 });
  }
  return {
    grantType,
    client,
    code: parameters.code,
    redirectUri: parameters.redirect_uri,
    codeVerifier: parameters.code_verifier,
    refreshToken: parameters.refresh_token,
    profile: 'huawei',
  };
}

/** The documented answer, in the documented order; refresh_token and id_token only when issued. */
export function fromTokenResult(result: TokenResult): DialectResponse {
  const body: HuaweiTokenResponse = {
    access_token: result.accessToken,
    token_type: 'Bearer',
    expires_in: result.expiresIn,
    scope: result.scope,
    ...(result.refreshToken ? { refresh_token: result.refreshToken } : {}),
    ...(result.idToken ? { id_token: result.idToken } : {}),
  };
  return { status: 200, headers: { ...NO_STORE }, body: { json: body, xml: { root: HUAWEI_RESPONSE_ROOT, content: { ...body } } } };
}
