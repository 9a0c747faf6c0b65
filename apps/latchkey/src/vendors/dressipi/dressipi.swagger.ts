import { applyDecorators } from '@nestjs/common';
import { ApiQuery, ApiResponse, getSchemaPath, type ApiOperationOptions } from '@nestjs/swagger';
import { writeXml } from '@latchkey/negotiation';
import { AUTHORIZE_RESPONSE_XML_ROOT, DressipiAuthorizeQuery, DressipiAuthorizeResponse } from './dressipi-authorize.dto.js';
import { DressipiErrorBody, ERROR_XML_ROOT } from './dressipi-error.filter.js';
import { OOB_REDIRECT_URI } from './dressipi-parameters.js';
import { DressipiTokenRequest, TOKEN_REQUEST_XML_ROOT } from './dressipi-token-request.dto.js';
import { DressipiTokenResponse, TOKEN_RESPONSE_XML_ROOT } from './dressipi-token-response.dto.js';

/** OpenAPI documentation of the dressipi endpoints: schemas, and examples in JSON and XML. */

const xml = (root: string, content: Record<string, unknown>) => writeXml({ root, content, declaration: true });
/** The JSON schema of a DTO, named as the XML root element. */
const xmlSchema = (root: string, type: Parameters<typeof getSchemaPath>[0]) => ({ allOf: [{ $ref: getSchemaPath(type) }], xml: { name: root } });

const CODE_REQUEST = {
  redirect_uri: OOB_REDIRECT_URI,
  grant_type: 'authorization_code',
  code: 'SplxlOBeZQQYbYS6WxSbIA8xJ3kqD5ZG0sFvQ2h4T1c',
  client_id: 'dressipi-web',
  code_verifier: '1tBnEmtSImyCykPHxHYBdzpSFhKEj0Q1LuiHd4fdDlY',
};
const REFRESH_REQUEST = {
  redirect_uri: OOB_REDIRECT_URI,
  grant_type: 'refresh_token',
  refresh_token: 'tGzv3JOkF0XG5Qx2TlKWIAnM8bH1rE4yU7sP0dC9fQk',
  client_id: 'dressipi-web',
};
const TOKENS = {
  access_token: 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6Ii4uLiJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl',
  refresh_token: 'm3Xq9VbT1yLk8Rz0Pw4Hs2Jd6Fg5Nc7Ae1Uo3Ii9Yt0',
  expires_in: 86400,
  token_type: 'Bearer',
};
const CODE = { code: 'SplxlOBeZQQYbYS6WxSbIA8xJ3kqD5ZG0sFvQ2h4T1c', state: 'af0ifjsldkj' };

const requestExamples = (encode: (body: Record<string, string>) => unknown) => ({
  authorization_code: { summary: 'Exchange a grant code', value: encode(CODE_REQUEST) },
  refresh_token: { summary: 'Refresh (the refresh token rotates)', value: encode(REFRESH_REQUEST) },
});

export const TOKEN_DOCS: ApiOperationOptions = {
  summary: 'Exchange a grant code or refresh token for a JWT (dressipi)',
  description:
    'Requires the client\'s API key in x-api-key, with client_id; x-dressipi-jwt is accepted and ignored. ' +
    `redirect_uri must be ${OOB_REDIRECT_URI}. grant_type authorization_code takes code and code_verifier (PKCE S256); ` +
    'refresh_token takes refresh_token and answers a new refresh token: store it, the old one stops working (presenting it again revokes the whole authorization). ' +
    'Parameters come from a JSON, form or XML body (root <token_request>) or from the query string, each at most once. ' +
    'The answer is JSON or XML (root <token_response>) by Accept; without Accept, in the format of the body (JSON for forms). ' +
    'Errors are RFC 6749 {error, error_description} (XML root <error_response>).',
  requestBody: {
    required: false,
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(DressipiTokenRequest) },
        examples: requestExamples((body) => body),
      },
      'application/x-www-form-urlencoded': {
        schema: { $ref: getSchemaPath(DressipiTokenRequest) },
        examples: requestExamples((body) => body),
      },
      'application/xml': {
        schema: xmlSchema(TOKEN_REQUEST_XML_ROOT, DressipiTokenRequest),
        examples: requestExamples((body) => xml(TOKEN_REQUEST_XML_ROOT, body)),
      },
    },
  },
};

export const AUTHORIZE_DOCS: ApiOperationOptions = {
  summary: 'Start the process of obtaining a JWT: a grant code for a new anonymous profile (dressipi)',
  description:
    'Out of band: no login page and no redirect. Requires the client\'s API key in x-api-key; ' +
    `redirect_uri ${OOB_REDIRECT_URI}, response_type code, client_id, state, and PKCE with code_challenge_method S256 (mandatory). ` +
    'Each call creates a new anonymous profile owned by the client and answers 200 {code, state}; exchange the code at POST /oauth/token. ' +
    'JSON or XML (root <authorize_response>) by Accept.',
};

const errorExamples = (cases: Record<string, [string, string]>) => {
  const json: Record<string, { summary: string; value: unknown }> = {};
  const asXml: Record<string, { summary: string; value: unknown }> = {};
  for (const [name, [error, description]] of Object.entries(cases)) {
    const body = { error, error_description: description };
    json[name] = { summary: description, value: body };
    asXml[name] = { summary: description, value: xml(ERROR_XML_ROOT, body) };
  }
  return {
    'application/json': { schema: { $ref: getSchemaPath(DressipiErrorBody) }, examples: json },
    'application/xml': { schema: xmlSchema(ERROR_XML_ROOT, DressipiErrorBody), examples: asXml },
  };
};

const ERRORS = {
  token: {
    400: {
      redirect_uri: ['invalid_request', `The redirect_uri parameter must be ${OOB_REDIRECT_URI}.`],
      missing: ['invalid_request', 'The code parameter is required.'],
      grant_type: ['unsupported_grant_type', 'The grant type "password" is not supported: use authorization_code or refresh_token.'],
      code: ['invalid_grant', 'The authorization code is invalid.'],
      verifier: ['invalid_grant', 'code_verifier does not match the code challenge.'],
      reused: ['invalid_grant', 'The refresh token has already been used; its authorization is revoked.'],
    },
    401: {
      missing: ['invalid_client', 'The x-api-key header is required.'],
      wrong: ['invalid_client', 'Client authentication failed.'],
    },
  },
  authorize: {
    400: {
      redirect_uri: ['invalid_request', `The redirect_uri parameter must be ${OOB_REDIRECT_URI}.`],
      pkce: ['invalid_request', 'PKCE is mandatory: the code_challenge parameter is required.'],
      plain: ['invalid_request', 'Only the S256 code_challenge_method is supported.'],
      response_type: ['unsupported_response_type', 'Only response_type=code is supported.'],
    },
    401: {
      missing: ['invalid_client', 'The x-api-key header is required.'],
      wrong: ['invalid_client', 'Client authentication failed.'],
    },
  },
} as const satisfies Record<string, Record<number, Record<string, [string, string]>>>;

/** The 200 answer and the error answers of one endpoint, each in JSON and XML. */
export function dressipiResponses(endpoint: 'token' | 'authorize') {
  const ok =
    endpoint === 'token'
      ? {
          description: 'The generated tokens (Cache-Control: no-store)',
          content: {
            'application/json': { schema: { $ref: getSchemaPath(DressipiTokenResponse) }, example: TOKENS },
            'application/xml': { schema: xmlSchema(TOKEN_RESPONSE_XML_ROOT, DressipiTokenResponse), example: xml(TOKEN_RESPONSE_XML_ROOT, TOKENS) },
          },
        }
      : {
          description: 'The grant code and the state (Cache-Control: no-store)',
          content: {
            'application/json': { schema: { $ref: getSchemaPath(DressipiAuthorizeResponse) }, example: CODE },
            'application/xml': { schema: xmlSchema(AUTHORIZE_RESPONSE_XML_ROOT, DressipiAuthorizeResponse), example: xml(AUTHORIZE_RESPONSE_XML_ROOT, CODE) },
          },
        };
  const simple = (error: string, description: string) => errorExamples({ example: [error, description] });
  return applyDecorators(
    ...(endpoint === 'authorize' ? [ApiQuery({ type: DressipiAuthorizeQuery })] : []),
    ApiResponse({ status: 200, ...ok }),
    ApiResponse({ status: 400, description: 'oauth2 error (RFC 6749)', content: errorExamples(ERRORS[endpoint][400]) }),
    ApiResponse({ status: 401, description: 'No x-api-key, or not the key of client_id', content: errorExamples(ERRORS[endpoint][401]) }),
    ApiResponse({ status: 406, description: 'Accept names neither JSON nor XML', content: simple('invalid_request', 'None of the media types in the Accept header can be produced.') }),
    ...(endpoint === 'token'
      ? [
          ApiResponse({
            status: 415,
            description: 'A body that is not JSON, XML or a form',
            content: simple('invalid_request', "The request entity's media type 'text/plain' is not supported for this resource."),
          }),
        ]
      : []),
    ApiResponse({ status: 429, description: 'Too many requests (Retry-After)', content: simple('temporarily_unavailable', 'Too many requests.') }),
  );
}
