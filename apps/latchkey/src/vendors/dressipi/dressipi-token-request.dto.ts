import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OAuthError, type TokenRequest } from '@latchkey/token-exchange';
import type { FastifyRequest } from 'fastify';
import { dialectFields } from '../common/dialect-body.js';
import { checkParameters, equalTo, mergeParameters, OOB_REDIRECT_URI, ownParameters, type ParameterRules } from './dressipi-parameters.js';

export const DRESSIPI_GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;

/** XML bodies: the root element of a token request (the vendor documents JSON and forms only). */
export const TOKEN_REQUEST_XML_ROOT = 'token_request';

/** The parameters of POST /oauth/token and their rules, in the order the vendor documents (and this dialect checks) them. */
const TOKEN_RULES = {
  redirect_uri: { required: true, value: equalTo(OOB_REDIRECT_URI, `The redirect_uri parameter must be ${OOB_REDIRECT_URI}.`) },
  grant_type: {
    required: true,
    value: {
      test: (value) => (DRESSIPI_GRANT_TYPES as readonly string[]).includes(value),
      message: (value) => `The grant type "${value}" is not supported: use authorization_code or refresh_token.`,
      error: 'unsupported_grant_type',
    },
  },
  code: { when: (fields) => fields.grant_type === 'authorization_code', required: true, maxLength: 512 },
  refresh_token: { when: (fields) => fields.grant_type === 'refresh_token', required: true, maxLength: 2048 },
  client_id: { required: true, maxLength: 512 },
  code_verifier: { maxLength: 128 },
} satisfies ParameterRules<string>;

export const TOKEN_PARAMETERS = Object.keys(TOKEN_RULES) as Array<keyof typeof TOKEN_RULES>;

/**
 * The body of POST /oauth/token as dressipi documents it. Parameters come from a JSON,
 * form or XML body (root <token_request>) or from the query string; others are ignored.
 */
export class DressipiTokenRequest {
  @ApiProperty({ enum: [OOB_REDIRECT_URI], example: OOB_REDIRECT_URI, description: 'Must be urn:ietf:wg:oauth:2.0:oob:auto' })
  redirect_uri: string;

  @ApiProperty({ enum: DRESSIPI_GRANT_TYPES, example: 'authorization_code' })
  grant_type: (typeof DRESSIPI_GRANT_TYPES)[number];

  @ApiPropertyOptional({ description: 'authorization_code: the code the authorize endpoint returned', example: 'SplxlOBeZQQYbYS6WxSbIA8xJ3kqD5ZG0sFvQ2h4T1c' })
  code?: string;

  @ApiPropertyOptional({ description: 'refresh_token: the refresh token obtained before', example: 'tGzv3JOkF0XG5Qx2TlKWIAnM8bH1rE4yU7sP0dC9fQk' })
  refresh_token?: string;

  @ApiProperty({ description: 'The API client id supplied by dressipi', example: 'dressipi-web' })
  client_id: string;

  @ApiPropertyOptional({
    description: 'authorization_code: the code_verifier whose S256 code_challenge went to the authorize endpoint',
    example: '1tBnEmtSImyCykPHxHYBdzpSFhKEj0Q1LuiHd4fdDlY',
  })
  code_verifier?: string;
}

/**
 * The token request's parameters: from the body (JSON, form or XML; 415 for any other
 * content type) and the query string, each at most once, validated in the documented order.
 */
export function readTokenRequest(request: FastifyRequest, body: unknown): DressipiTokenRequest {
  const fromBody = dialectFields(request, body, ['json', 'form', 'xml']);
  if (request.bodyFormat === 'xml' && request.xmlRoot !== TOKEN_REQUEST_XML_ROOT) {
    throw new OAuthError('invalid_request', `The XML root element must be <${TOKEN_REQUEST_XML_ROOT}>.`);
  }
  const fields = mergeParameters(ownParameters(request.query, TOKEN_PARAMETERS), ownParameters(fromBody, TOKEN_PARAMETERS));
  // The rules require redirect_uri, grant_type (one of the two) and client_id, and the grant's code or refresh_token.
  return checkParameters(TOKEN_RULES, fields) as DressipiTokenRequest;
}

/** The neutral request: the client is authenticated by its API key with client_id, and must be a dressipi client. */
export function toTokenRequest(params: DressipiTokenRequest, apiKey: string): TokenRequest {
  const client = { method: 'api_key', clientId: params.client_id, apiKey } as const;
  if (params.grant_type === 'refresh_token') {
    return { grantType: 'refresh_token', client, refreshToken: params.refresh_token, profile: 'dressipi' };
  }
  return {
    grantType: 'authorization_code',
    client,
    code: params.code,
    redirectUri: params.redirect_uri,
    codeVerifier: params.code_verifier,
    profile: 'dressipi',
  };
}
