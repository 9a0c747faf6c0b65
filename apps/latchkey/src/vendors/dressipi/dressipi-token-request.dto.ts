import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OAuthError, type TokenRequest } from '@latchkey/token-exchange';
import { Equals, IsDefined, IsIn, IsOptional, IsString, MaxLength, ValidateIf, type ValidationArguments } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { dialectFields } from '../common/dialect-body.js';
import { checkParameters, mergeParameters, OOB_REDIRECT_URI, ownParameters } from './dressipi-parameters.js';

export const DRESSIPI_GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;

/** XML bodies: the root element of a token request (the vendor documents JSON and forms only). */
export const TOKEN_REQUEST_XML_ROOT = 'token_request';

/** The parameters of POST /oauth/token, in the order the vendor documents (and this dialect checks) them. */
export const TOKEN_PARAMETERS = ['redirect_uri', 'grant_type', 'code', 'refresh_token', 'client_id', 'code_verifier'] as const;

const required = (args: ValidationArguments) => `The ${args.property} parameter is required.`;
const string = (args: ValidationArguments) => `The ${args.property} parameter must be a string.`;
const tooLong = (args: ValidationArguments) => `The ${args.property} parameter must be at most ${String(args.constraints[0])} characters.`;

/**
 * The body of POST /oauth/token as dressipi documents it. Parameters come from a JSON,
 * form or XML body (root <token_request>) or from the query string; others are ignored.
 */
export class DressipiTokenRequest {
  @ApiProperty({ enum: [OOB_REDIRECT_URI], example: OOB_REDIRECT_URI, description: 'Must be urn:ietf:wg:oauth:2.0:oob:auto' })
  @IsDefined({ message: required })
  @IsString({ message: string })
  @Equals(OOB_REDIRECT_URI, { message: `The redirect_uri parameter must be ${OOB_REDIRECT_URI}.` })
  redirect_uri: string;

  @ApiProperty({ enum: DRESSIPI_GRANT_TYPES, example: 'authorization_code' })
  @IsDefined({ message: required })
  @IsString({ message: string })
  @IsIn(DRESSIPI_GRANT_TYPES, {
    message: (args) => `The grant type "${String(args.value)}" is not supported: use authorization_code or refresh_token.`,
    context: { error: 'unsupported_grant_type' },
  })
  grant_type: (typeof DRESSIPI_GRANT_TYPES)[number];

  @ApiPropertyOptional({ description: 'authorization_code: the code the authorize endpoint returned', example: 'SplxlOBeZQQYbYS6WxSbIA8xJ3kqD5ZG0sFvQ2h4T1c' })
  @ValidateIf((r: DressipiTokenRequest) => r.grant_type === 'authorization_code')
  @IsDefined({ message: required })
  @IsString({ message: string })
  @MaxLength(512, { message: tooLong })
  code?: string;

  @ApiPropertyOptional({ description: 'refresh_token: the refresh token obtained before', example: 'tGzv3JOkF0XG5Qx2TlKWIAnM8bH1rE4yU7sP0dC9fQk' })
  @ValidateIf((r: DressipiTokenRequest) => r.grant_type === 'refresh_token')
  @IsDefined({ message: required })
  @IsString({ message: string })
  @MaxLength(2048, { message: tooLong })
  refresh_token?: string;

  @ApiProperty({ description: 'The API client id supplied by dressipi', example: 'dressipi-web' })
  @IsDefined({ message: required })
  @IsString({ message: string })
  @MaxLength(512, { message: tooLong })
  client_id: string;

  @ApiPropertyOptional({
    description: 'authorization_code: the code_verifier whose S256 code_challenge went to the authorize endpoint',
    example: '1tBnEmtSImyCykPHxHYBdzpSFhKEj0Q1LuiHd4fdDlY',
  })
  @IsOptional()
  @IsString({ message: string })
  @MaxLength(128, { message: tooLong })
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
  return checkParameters(DressipiTokenRequest, fields, TOKEN_PARAMETERS);
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
