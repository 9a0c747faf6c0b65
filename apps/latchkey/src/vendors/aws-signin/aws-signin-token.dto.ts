import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SIGV4_TOKEN_TYPE } from '@latchkey/token-exchange';
import { IsDefined, IsString, Matches, MaxLength, MinLength, ValidateIf, type ValidationArguments } from 'class-validator';

/** The vendor's constraints (CreateOAuth2Token, request body). */
export const CLIENT_ID_PATTERN = 'arn:aws:signin:::devtools/(same-device|cross-device)';
export const GRANT_TYPE_PATTERN = '(authorization_code|refresh_token)';
export const CODE_VERIFIER_PATTERN = '[A-Za-z0-9\\-._~]+';

/** The request members, in the order of the vendor's request syntax. */
export const AWS_SIGNIN_REQUEST_FIELDS = ['clientId', 'code', 'codeVerifier', 'grantType', 'redirectUri', 'refreshToken'] as const;
export type AwsSigninRequestField = (typeof AWS_SIGNIN_REQUEST_FIELDS)[number];

/** The XML root element of the response (the operation's output shape). */
export const AWS_SIGNIN_RESPONSE_ROOT = 'CreateOAuth2TokenResponse';

/** AWS's validation wording: `Value at 'code' failed to satisfy constraint: Member must ...` (values are never echoed). */
const constraint = (rule: string) => (args: ValidationArguments) => `Value at '${args.property}' failed to satisfy constraint: Member must ${rule}`;
const notNull = (args: ValidationArguments) => `Value null at '${args.property}' failed to satisfy constraint: Member must not be null`;
const requiredFor = (grantType: string) => (args: ValidationArguments) =>
  `Value null at '${args.property}' failed to satisfy constraint: Member must not be null when grantType is ${grantType}`;
const isString = { message: constraint('be a string') };
const minLength = (n: number) => ({ message: constraint(`have length greater than or equal to ${n}`) });
const maxLength = (n: number) => ({ message: constraint(`have length less than or equal to ${n}`) });

const forCode = (o: CreateOAuth2TokenRequestBody) => o.grantType === 'authorization_code';
const forRefresh = (o: CreateOAuth2TokenRequestBody) => o.grantType === 'refresh_token';

/**
 * CreateOAuth2TokenRequestBody (restJson1, camelCase, no wrapper): the members and the
 * vendor's constraints. code, codeVerifier and redirectUri are required with
 * authorization_code, refreshToken with refresh_token; a member sent with the other grant
 * is checked for its constraints and otherwise ignored.
 */
export class CreateOAuth2TokenRequestBody {
  @ApiProperty({ description: 'Client identifier, unique to the authorization server.', pattern: CLIENT_ID_PATTERN, example: 'arn:aws:signin:::devtools/same-device' })
  @IsDefined({ message: notNull })
  @IsString(isString)
  @Matches(new RegExp(`^${CLIENT_ID_PATTERN}$`), { message: constraint(`satisfy regular expression pattern: ${CLIENT_ID_PATTERN}`) })
  clientId: string;

  @ApiPropertyOptional({ description: 'The authorization code received from /v1/authorize. Required only when grantType=authorization_code.', minLength: 1, maxLength: 512, example: 'cOdE8lV2mWqk3Yw1hQpZ0rT9sB4xN6aE' })
  @ValidateIf((o: CreateOAuth2TokenRequestBody) => forCode(o) || o.code !== undefined)
  @IsDefined({ message: requiredFor('authorization_code') })
  @IsString(isString)
  @MinLength(1, minLength(1))
  @MaxLength(512, maxLength(512))
  code?: string;

  @ApiPropertyOptional({
    description: 'PKCE code verifier. Required only when grantType=authorization_code.',
    minLength: 43,
    maxLength: 128,
    pattern: CODE_VERIFIER_PATTERN,
    example: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
  })
  @ValidateIf((o: CreateOAuth2TokenRequestBody) => forCode(o) || o.codeVerifier !== undefined)
  @IsDefined({ message: requiredFor('authorization_code') })
  @IsString(isString)
  @MinLength(43, minLength(43))
  @MaxLength(128, maxLength(128))
  @Matches(new RegExp(`^${CODE_VERIFIER_PATTERN}$`), { message: constraint(`satisfy regular expression pattern: ${CODE_VERIFIER_PATTERN}`) })
  codeVerifier?: string;

  @ApiProperty({ description: 'authorization_code: exchange a code; refresh_token: use a refresh token.', enum: ['authorization_code', 'refresh_token'], example: 'authorization_code' })
  @IsDefined({ message: notNull })
  @IsString(isString)
  @Matches(new RegExp(`^${GRANT_TYPE_PATTERN}$`), { message: constraint(`satisfy regular expression pattern: ${GRANT_TYPE_PATTERN}`) })
  grantType: 'authorization_code' | 'refresh_token';

  @ApiPropertyOptional({ description: 'Must match the authorization request. Required only when grantType=authorization_code.', minLength: 1, maxLength: 2048, example: 'http://127.0.0.1:49152/oauth/callback' })
  @ValidateIf((o: CreateOAuth2TokenRequestBody) => forCode(o) || o.redirectUri !== undefined)
  @IsDefined({ message: requiredFor('authorization_code') })
  @IsString(isString)
  @MinLength(1, minLength(1))
  @MaxLength(2048, maxLength(2048))
  redirectUri?: string;

  @ApiPropertyOptional({ description: 'Required only when grantType=refresh_token.', minLength: 1, maxLength: 2048, example: 'aGVsbG8tdGhpcy1pcy1hLXJlZnJlc2gtdG9rZW4tZXhhbXBsZQ' })
  @ValidateIf((o: CreateOAuth2TokenRequestBody) => forRefresh(o) || o.refreshToken !== undefined)
  @IsDefined({ message: requiredFor('refresh_token') })
  @IsString(isString)
  @MinLength(1, minLength(1))
  @MaxLength(2048, maxLength(2048))
  refreshToken?: string;
}

/** AccessToken: the AWS credentials. */
export class AwsAccessToken {
  @ApiProperty({ description: 'ASIA + 16 upper-case alphanumerics.', example: 'ASIAQ3EGWDXN7K2LPR5T' })
  accessKeyId: string;

  @ApiProperty({ description: '40 characters; shown once.', example: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' })
  secretAccessKey: string;

  @ApiProperty({ description: 'Send as X-Amz-Security-Token with every signed request.', example: 'AZ8xQWtLQ0pUNlpHV0RYTjdLMkxQUjVUc2Vzc2lvbi10b2tlbi1leGFtcGxlLXZhbHVlLi4u' })
  sessionToken: string;
}

/** CreateOAuth2TokenResponseBody. */
export class CreateOAuth2TokenResponseBody {
  @ApiProperty({ type: AwsAccessToken })
  accessToken: AwsAccessToken;

  @ApiProperty({ description: 'Seconds until the credentials expire.', minimum: 1, maximum: 900, example: 900 })
  expiresIn: number;

  @ApiPropertyOptional({ description: 'OpenID Connect ID token (JWT). Only for grantType=authorization_code, never on refresh.', example: 'eyJhbGciOiJFUzI1NiIsImtpZCI6IksxIiwidHlwIjoiSldUIn0.eyJzdWIiOiIuLi4ifQ.c2ln' })
  idToken?: string;

  @ApiProperty({ description: 'Rotated on every use; bound to the DPoP key of the request (cnf.jkt).', example: 'Zm9vYmFyLXJlZnJlc2gtdG9rZW4tcm90YXRlZC1leGFtcGxl' })
  refreshToken: string;

  @ApiProperty({ enum: [SIGV4_TOKEN_TYPE], example: SIGV4_TOKEN_TYPE })
  tokenType: typeof SIGV4_TOKEN_TYPE;
}

/** The error body of every exception (x-amzn-ErrorType names the exception). */
export class AwsSigninErrorBody {
  @ApiProperty({
    enum: ['INVALID_REQUEST', 'AUTHCODE_EXPIRED', 'TOKEN_EXPIRED', 'USER_CREDENTIALS_CHANGED', 'INSUFFICIENT_PERMISSIONS', 'server_error', 'service_unavailable'],
    example: 'TOKEN_EXPIRED',
  })
  error: string;

  @ApiProperty({ example: 'The refresh token has expired.' })
  message: string;
}
