import { OAuthError, SIGV4_TOKEN_TYPE, type DpopRequest, type FieldError, type TokenRequest, type TokenResult } from '@latchkey/token-exchange';
import { validateSync } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { endpointUrls } from '../../oauth/oauth-request.js';
import { dialectFields } from '../common/dialect-body.js';
import { NO_STORE, type DialectResponse } from '../common/dialect-response.js';
import {
  AWS_SIGNIN_REQUEST_FIELDS,
  AWS_SIGNIN_RESPONSE_ROOT,
  CreateOAuth2TokenRequestBody,
  type CreateOAuth2TokenResponseBody,
} from './aws-signin-token.dto.js';

/** The body's fields: JSON (restJson1's own), or XML; a form or any other media type is 415. */
export function awsSigninFields(request: FastifyRequest): Record<string, unknown> {
  return dialectFields(request, request.body, ['json', 'xml']);
}

/** Which constraint of a member is reported when several fail (AWS reports one per member). */
const CONSTRAINT_ORDER = ['isDefined', 'isString', 'minLength', 'maxLength', 'matches'];

/**
 * The request body, validated against the vendor's constraints. Failures are one
 * ValidationException (invalid_request) listing every failed member the way AWS does:
 * "2 validation errors detected: Value at 'x' failed to satisfy constraint: ...; ...".
 * JSON null counts as absent; unknown members are ignored (restJson1).
 */
export function readAwsSigninRequest(fields: Record<string, unknown>): CreateOAuth2TokenRequestBody {
  const plain: Record<string, unknown> = {};
  for (const name of AWS_SIGNIN_REQUEST_FIELDS) if (fields[name] !== undefined && fields[name] !== null) plain[name] = fields[name];
  // Assigned as they are, not transformed: class-transformer threw (a 500) on an object
  // member such as {"constructor": {...}}; the validators refuse every non-string.
  const body = Object.assign(new CreateOAuth2TokenRequestBody(), plain);
  const fieldErrors: FieldError[] = [];
  for (const failure of validateSync(body)) {
    const constraints = failure.constraints ?? {};
    const key = CONSTRAINT_ORDER.find((c) => c in constraints) ?? Object.keys(constraints)[0];
    if (key) fieldErrors.push({ field: failure.property, message: constraints[key]! });
  }
  if (fieldErrors.length) {
    const order = (field: string) => AWS_SIGNIN_REQUEST_FIELDS.indexOf(field as (typeof AWS_SIGNIN_REQUEST_FIELDS)[number]);
    fieldErrors.sort((a, b) => order(a.field) - order(b.field));
    const count = `${fieldErrors.length} validation error${fieldErrors.length === 1 ? '' : 's'} detected`;
    throw new OAuthError('invalid_request', `${count}: ${fieldErrors.map((e) => e.message).join('; ')}`, { field: fieldErrors[0]!.field, fieldErrors });
  }
  return body;
}

/**
 * The DPoP proof of this request: required with both grants (the vendor binds every refresh
 * token to the presented key, cnf.jkt), its htu being this endpoint's URL (the issuer's or
 * as received: the AWS SDK writes scheme://host:port/path). No nonce is ever asked for.
 */
export function dpopOf(request: FastifyRequest, issuer: string): DpopRequest {
  return { proof: request.headers.dpop, method: 'POST', urls: endpointUrls(request, issuer), required: true };
}

/** The neutral request: a public client of profile aws-signin, no client secret. */
export function toTokenRequest(body: CreateOAuth2TokenRequestBody, dpop: DpopRequest): TokenRequest {
  return {
    grantType: body.grantType,
    client: { method: 'none', clientId: body.clientId },
    ...(body.grantType === 'authorization_code'
      ? { code: body.code, codeVerifier: body.codeVerifier, redirectUri: body.redirectUri }
      : { refreshToken: body.refreshToken }),
    profile: 'aws-signin',
    dpop,
  };
}

/**
 * CreateOAuth2TokenResponseBody, members in the vendor's order: the SigV4 credentials,
 * expiresIn, idToken (authorization_code only: "not included in token refresh responses"),
 * refreshToken (always), tokenType. In XML the same names under <CreateOAuth2TokenResponse>.
 */
export function fromTokenResult(result: TokenResult, grantType: CreateOAuth2TokenRequestBody['grantType']): DialectResponse {
  const { credentials, refreshToken } = result;
  if (!credentials || !refreshToken) {
    // An aws-signin client always gets SigV4 credentials; a refresh token needs the client
    // to be allowed refresh_token with issueRefreshToken (the vendor's response requires one).
    throw new OAuthError('server_error', 'The server encountered an unexpected condition.', {
      debug: `aws-signin ${result.clientId}: ${credentials ? 'no refresh token (client not configured for refresh_token)' : 'no SigV4 credentials'}`,
    });
  }
  const json: CreateOAuth2TokenResponseBody = {
    accessToken: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
    expiresIn: result.expiresIn,
    ...(grantType === 'authorization_code' && result.idToken ? { idToken: result.idToken } : {}),
    refreshToken,
    tokenType: SIGV4_TOKEN_TYPE,
  };
  return { status: 200, headers: { ...NO_STORE }, body: { json, xml: { root: AWS_SIGNIN_RESPONSE_ROOT, content: { ...json } } } };
}
