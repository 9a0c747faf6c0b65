import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** XML names (OneAccess documents JSON and forms only): the request, success and error roots. */
export const HUAWEI_REQUEST_ROOT = 'TokenRequest';
export const HUAWEI_RESPONSE_ROOT = 'TokenResponse';
export const HUAWEI_ERROR_ROOT = 'ErrorResponse';

/** The grants this endpoint serves: the documented one, and refresh for clients that get refresh tokens. */
export const HUAWEI_GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;

/**
 * POST /api/v1/oauth2/token: the parameters, as a form (the vendor's format), JSON or XML;
 * each optional here and a string when sent (readHuaweiRequest checks them).
 */
export class HuaweiTokenRequest {
  @ApiProperty({ enum: HUAWEI_GRANT_TYPES, example: 'authorization_code', description: 'authorization_code (the documented value), or refresh_token' })
  grant_type?: string;

  @ApiPropertyOptional({ example: '0yVxT3Wq9CjX7m2R', description: 'authorization_code: the code from the callback after sign-in' })
  code?: string;

  @ApiProperty({ example: 'cU0L3GsEq1vuOJ5iQrRSu5AyPnKL8', description: 'Application ID. With HTTP Basic it may be left out (or must match).' })
  client_id?: string;

  @ApiProperty({ example: 'EFjb1YwWcTcE', description: 'Application secret (client_secret_post); or send both in HTTP Basic (client_secret_basic) instead' })
  client_secret?: string;

  @ApiPropertyOptional({ example: 'https://example.com', description: 'authorization_code: exactly the redirect_uri the code was issued for' })
  redirect_uri?: string;

  @ApiPropertyOptional({ example: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', description: 'authorization_code, when the code was issued with a PKCE challenge' })
  code_verifier?: string;

  @ApiPropertyOptional({ example: '5wIuT4Rk2bZanH', description: 'refresh_token: the refresh token (each is used once; the answer carries its successor)' })
  refresh_token?: string;
}

export class HuaweiTokenResponse {
  @ApiProperty({ example: 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9...', description: 'Access token (a JWT verifiable against /oauth2/jwks)' })
  access_token: string;

  @ApiProperty({ enum: ['Bearer'], example: 'Bearer' })
  token_type: 'Bearer';

  @ApiProperty({
    type: 'integer',
    example: 7200,
    description:
      'Validity period of the access token in seconds. The vendor\'s parameter table says String, its examples show a number: ' +
      'Latchkey writes the number, as the examples do.',
  })
  expires_in: number;

  @ApiProperty({ example: 'openid', description: 'Authorization scope (space-separated)' })
  scope: string;

  @ApiPropertyOptional({ example: '5wIuT4Rk2bZanH', description: 'Only for clients configured to issue refresh tokens (issueRefreshToken and the refresh_token grant)' })
  refresh_token?: string;

  @ApiPropertyOptional({ example: 'eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9...', description: 'ID token, when the scope includes openid' })
  id_token?: string;
}

export class HuaweiError {
  @ApiProperty({ example: 'invalid_grant', description: 'Error type (RFC 6749 §5.2 codes)' })
  error: string;

  @ApiProperty({ example: 'Invalid authorization code' })
  error_description: string;
}
