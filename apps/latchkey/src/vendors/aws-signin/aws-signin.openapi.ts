import { getSchemaPath } from '@nestjs/swagger';
import { SIGV4_TOKEN_TYPE } from '@latchkey/token-exchange';
import { AwsSigninErrorBody, CreateOAuth2TokenRequestBody, CreateOAuth2TokenResponseBody } from './aws-signin-token.dto.js';

/** Swagger for POST /v1/token (CreateOAuth2Token): JSON and XML, each with its examples, and the error shapes. */

const JSON_TYPES = ['application/json', 'text/json'];
const XML_TYPES = ['application/xml', 'text/xml'];

type Case = { summary: string; json: unknown; xml: string };

function examples(schema: object, cases: Record<string, Case>) {
  const pick = (format: 'json' | 'xml') => Object.fromEntries(Object.entries(cases).map(([name, c]) => [name, { summary: c.summary, value: c[format] }]));
  return {
    ...Object.fromEntries(JSON_TYPES.map((type) => [type, { schema, examples: pick('json') }])),
    ...Object.fromEntries(XML_TYPES.map((type) => [type, { schema, examples: pick('xml') }])),
  };
}

const xml = (root: string, members: Record<string, string | number | Record<string, string>>) =>
  `<${root}>${Object.entries(members)
    .map(([k, v]) => (typeof v === 'object' ? `<${k}>${Object.entries(v).map(([a, b]) => `<${a}>${b}</${a}>`).join('')}</${k}>` : `<${k}>${v}</${k}>`))
    .join('')}</${root}>`;

const CODE_REQUEST = {
  clientId: 'arn:aws:signin:::devtools/same-device',
  grantType: 'authorization_code',
  code: 'cOdE8lV2mWqk3Yw1hQpZ0rT9sB4xN6aE',
  codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
  redirectUri: 'http://127.0.0.1:49152/oauth/callback',
};
const REFRESH_REQUEST = { clientId: 'arn:aws:signin:::devtools/same-device', grantType: 'refresh_token', refreshToken: 'Zm9vYmFyLXJlZnJlc2gtdG9rZW4tZXhhbXBsZQ' };

export const AWS_SIGNIN_REQUEST_BODY = {
  required: true,
  description:
    'CreateOAuth2TokenRequestBody (restJson1: camelCase members, no wrapper). In XML the same members under any root element ' +
    '(e.g. <CreateOAuth2TokenRequest>). A form body is 415. Every request carries a `DPoP` header: an ES256 proof (typ dpop+jwt, jwk, ' +
    'htm POST, htu this URL, iat, jti; no nonce is ever required) whose key the refresh token is bound to.',
  content: examples(
    { $ref: getSchemaPath(CreateOAuth2TokenRequestBody) },
    {
      authorization_code: { summary: 'Exchange a code (PKCE)', json: CODE_REQUEST, xml: xml('CreateOAuth2TokenRequest', CODE_REQUEST) },
      refresh_token: { summary: 'Refresh (same DPoP key as before)', json: REFRESH_REQUEST, xml: xml('CreateOAuth2TokenRequest', REFRESH_REQUEST) },
    },
  ),
};

const CREDENTIALS = {
  accessKeyId: 'ASIAQ3EGWDXN7K2LPR5T',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'AVFTSUFRM0VHV0RYTjdLMkxQUjVU3q0l1yK8vXz9Yh2mQ4rT7wB6nA5sD1fG0hJ3kL8pO2uI=',
};
const CODE_RESPONSE = {
  accessToken: CREDENTIALS,
  expiresIn: 900,
  idToken: 'eyJhbGciOiJFUzI1NiIsImtpZCI6IksxIiwidHlwIjoiSldUIn0.eyJzdWIiOiIzZjFjMmE5ZSJ9.c2lnbmF0dXJl',
  refreshToken: 'Zm9vYmFyLXJlZnJlc2gtdG9rZW4tZXhhbXBsZQ',
  tokenType: SIGV4_TOKEN_TYPE,
};
const { idToken: _none, ...REFRESH_RESPONSE } = CODE_RESPONSE;

export const AWS_SIGNIN_OK = {
  status: 200,
  description:
    'CreateOAuth2TokenResponseBody: real SigV4 credentials (accepted by GET /oauth2/userinfo when a request is signed with them, ' +
    'resolvable by POST /oauth2/introspect), expiresIn at most 900, idToken only for authorization_code, a rotated refreshToken ' +
    'bound to the DPoP key. JSON or XML by Accept (else the request body\'s format). Cache-Control: no-store, Pragma: no-cache.',
  content: examples(
    { $ref: getSchemaPath(CreateOAuth2TokenResponseBody) },
    {
      authorization_code: { summary: 'grantType authorization_code', json: CODE_RESPONSE, xml: xml('CreateOAuth2TokenResponse', CODE_RESPONSE) },
      refresh_token: { summary: 'grantType refresh_token (no idToken)', json: REFRESH_RESPONSE, xml: xml('CreateOAuth2TokenResponse', REFRESH_RESPONSE) },
    },
  ),
};

const ERROR = { $ref: getSchemaPath(AwsSigninErrorBody) };
const ERROR_TYPE = { 'x-amzn-ErrorType': { description: 'The exception: ValidationException, AccessDeniedException, TooManyRequestsError or InternalServerException', schema: { type: 'string' } } };
const error = (exception: string, code: string, message: string): Case => ({
  summary: `${exception} ${code}`,
  json: { error: code, message },
  xml: xml(exception, { error: code, message }),
});

export const AWS_SIGNIN_BAD_REQUEST = {
  status: 400,
  description:
    'ValidationException (INVALID_REQUEST: the vendor\'s constraints, an unknown client, a missing or invalid DPoP proof) or ' +
    'AccessDeniedException (AUTHCODE_EXPIRED: bad, expired or reused code, wrong codeVerifier or redirectUri; TOKEN_EXPIRED: expired, ' +
    'revoked, reused or unknown refresh token, or a proof of another key; USER_CREDENTIALS_CHANGED: user disabled or password changed ' +
    'since the grant; INSUFFICIENT_PERMISSIONS: client not allowed this grant, or a code or token of another client). The ' +
    'x-amzn-ErrorType header names the exception.',
  headers: ERROR_TYPE,
  content: examples(ERROR, {
    validation: error(
      'ValidationException',
      'INVALID_REQUEST',
      "1 validation error detected: Value at 'clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws:signin:::devtools/(same-device|cross-device)",
    ),
    authcode: error('AccessDeniedException', 'AUTHCODE_EXPIRED', 'The authorization code has expired.'),
    token: error('AccessDeniedException', 'TOKEN_EXPIRED', 'The refresh token has expired.'),
    credentials: error('AccessDeniedException', 'USER_CREDENTIALS_CHANGED', 'The user is disabled or has changed their password since this authorization; sign in again.'),
    permissions: error('AccessDeniedException', 'INSUFFICIENT_PERMISSIONS', 'This client may not use the refresh_token grant.'),
  }),
};

export const AWS_SIGNIN_NOT_ACCEPTABLE = {
  status: 406,
  description: 'ValidationException: no media type in Accept can be produced (the body is JSON).',
  headers: ERROR_TYPE,
  content: examples(ERROR, { accept: error('ValidationException', 'INVALID_REQUEST', 'None of the media types in the Accept header can be produced.') }),
};

export const AWS_SIGNIN_UNSUPPORTED = {
  status: 415,
  description: 'ValidationException: the body is neither JSON nor XML (a form body included).',
  headers: ERROR_TYPE,
  content: examples(ERROR, {
    form: error('ValidationException', 'INVALID_REQUEST', "The request entity's media type 'application/x-www-form-urlencoded' is not supported for this resource."),
  }),
};

export const AWS_SIGNIN_TOO_MANY = {
  status: 429,
  description: 'TooManyRequestsError, with Retry-After.',
  headers: ERROR_TYPE,
  content: examples(ERROR, { limited: error('TooManyRequestsError', 'INVALID_REQUEST', 'Too many requests. Try again in 42 seconds.') }),
};

export const AWS_SIGNIN_SERVER_ERROR = {
  status: 500,
  description: 'InternalServerException (503 with error service_unavailable and Retry-After while the database is unreachable).',
  headers: ERROR_TYPE,
  content: examples(ERROR, {
    internal: error('InternalServerException', 'server_error', 'The request processing has failed because of an unknown error, exception or failure.'),
  }),
};
