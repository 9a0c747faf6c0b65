import { getSchemaPath } from '@nestjs/swagger';
import { HuaweiError, HuaweiTokenRequest, HuaweiTokenResponse } from './huawei-token.dto.js';

/** Swagger for POST /api/v1/oauth2/token: form, JSON and XML requests; JSON and XML answers. */

const JSON_TYPES = ['application/json', 'text/json'];
const XML_TYPES = ['application/xml', 'text/xml'];
const FORM = 'application/x-www-form-urlencoded';

interface Case {
  summary: string;
  json: Record<string, unknown>;
}

const xmlOf = (root: string, fields: Record<string, unknown>) => `<${root}>${Object.entries(fields).map(([k, v]) => `<${k}>${String(v)}</${k}>`).join('')}</${root}>`;

function examples(schema: object, root: string, cases: Record<string, Case>, form = false) {
  const pick = (write: (c: Case) => unknown) => Object.fromEntries(Object.entries(cases).map(([name, c]) => [name, { summary: c.summary, value: write(c) }]));
  return {
    ...(form ? { [FORM]: { schema, examples: pick((c) => new URLSearchParams(c.json as Record<string, string>).toString()) } } : {}),
    ...Object.fromEntries(JSON_TYPES.map((type) => [type, { schema, examples: pick((c) => c.json) }])),
    ...Object.fromEntries(XML_TYPES.map((type) => [type, { schema, examples: pick((c) => xmlOf(root, c.json)) }])),
  };
}

export const HUAWEI_REQUEST_BODY = {
  required: true,
  description:
    'A form (the vendor\'s format), JSON, or XML with the root <TokenRequest> and one element per parameter. ' +
    'The client authenticates with client_id and client_secret in the body, or with HTTP Basic.',
  content: examples(
    { $ref: getSchemaPath(HuaweiTokenRequest) },
    'TokenRequest',
    {
      authorization_code: {
        summary: 'Redeem a code',
        json: { grant_type: 'authorization_code', code: '0yVxT3Wq9CjX7m2R', client_id: 'cU0L3GsEq1vuOJ5iQrRSu5AyPnKL8', client_secret: 'EFjb1YwWcTcE', redirect_uri: 'https://example.com' },
      },
      refresh_token: {
        summary: 'Refresh (the refresh token rotates)',
        json: { grant_type: 'refresh_token', refresh_token: '5wIuT4Rk2bZanH', client_id: 'cU0L3GsEq1vuOJ5iQrRSu5AyPnKL8', client_secret: 'EFjb1YwWcTcE' },
      },
    },
    true,
  ),
};

const TOKENS = { access_token: 'NqMhT2kd3k', token_type: 'Bearer', expires_in: 7200, scope: 'openid' };

export const HUAWEI_OK = {
  status: 200,
  description:
    'The tokens, in this order. expires_in is a number as in the vendor\'s examples (its table says String). refresh_token only for clients ' +
    'configured to issue refresh tokens. JSON or XML (root <TokenResponse>) by Accept, else the request body\'s format (JSON for a form). ' +
    'Cache-Control: no-store, Pragma: no-cache.',
  content: examples({ $ref: getSchemaPath(HuaweiTokenResponse) }, 'TokenResponse', {
    without_refresh: { summary: 'Example 1: no refresh token', json: { ...TOKENS, id_token: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.Njg' } },
    with_refresh: { summary: 'Example 2: with a refresh token', json: { ...TOKENS, refresh_token: '5wIuT4Rk2bZanH', id_token: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.Njg' } },
  }),
};

const ERROR = { $ref: getSchemaPath(HuaweiError) };
const error = (summary: string, code: string, description: string): Case => ({ summary, json: { error: code, error_description: description } });

export const HUAWEI_BAD_REQUEST = {
  status: 400,
  description: 'Request error (XML root <ErrorResponse>).',
  content: examples(ERROR, 'ErrorResponse', {
    invalid_code: error('An invalid, expired or used code', 'invalid_grant', 'Invalid authorization code'),
    refresh: error('A used refresh token (its whole family is revoked)', 'invalid_grant', 'The refresh token has already been used; its authorization is revoked.'),
    missing: error('A missing parameter', 'invalid_request', 'The code parameter is required.'),
    grant: error('Another grant type', 'unsupported_grant_type', 'The grant type "password" is not supported.'),
    profile: error('A client that is not a huawei client', 'unauthorized_client', 'This client is not registered for this endpoint.'),
  }),
};

export const HUAWEI_UNAUTHORIZED = {
  status: 401,
  description: 'Client authentication failed or was missing (RFC 6749 §5.2; the vendor\'s document does not describe it). WWW-Authenticate: Basic.',
  content: examples(ERROR, 'ErrorResponse', { invalid_client: error('A wrong or missing secret', 'invalid_client', 'Client authentication failed.') }),
};

export const HUAWEI_NOT_ACCEPTABLE = {
  status: 406,
  description: 'Accept names neither JSON nor XML (answered in JSON).',
  content: { 'application/json': { schema: ERROR, example: { error: 'invalid_request', error_description: 'None of the media types in the Accept header can be produced.' } } },
};

export const HUAWEI_UNSUPPORTED = {
  status: 415,
  description: 'A body that is not a form, JSON or XML.',
  content: examples(ERROR, 'ErrorResponse', {
    media_type: error('text/plain', 'invalid_request', "The request entity's media type 'text/plain' is not supported for this resource."),
  }),
};

export const HUAWEI_SERVER_ERROR = {
  status: 500,
  description: 'An unexpected failure (the detail is logged only).',
  content: examples(ERROR, 'ErrorResponse', { server_error: error('Unexpected failure', 'server_error', 'The server encountered an unexpected condition.') }),
};
