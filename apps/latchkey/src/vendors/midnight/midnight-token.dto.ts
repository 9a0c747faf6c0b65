import { ApiProperty } from '@nestjs/swagger';

/** The fields of OAuth2AuthTokenRequestModel, in the vendor's order (ModelState lists them so). */
export const MIDNIGHT_REQUEST_FIELDS = ['Domain', 'AuthorizationCode', 'CodeVerifier', 'RedirectUri', 'UserPoolWebClientId'] as const;
export type MidnightRequestField = (typeof MIDNIGHT_REQUEST_FIELDS)[number];

/** The XML root element of a request and of a success response. */
export const MIDNIGHT_REQUEST_ROOT = 'OAuth2AuthTokenRequestModel';
export const MIDNIGHT_RESPONSE_ROOT = 'AuthTokenResponseModel';

/** POST v1/Token/OAuth2/AuthorizationCode: the body, in JSON or XML. */
export class OAuth2AuthTokenRequestModel {
  @ApiProperty({ description: 'Name of the Domain: must equal the domain of the client UserPoolWebClientId', example: 'contoso' })
  Domain: string;

  @ApiProperty({ description: 'Authorization code (from /oauth2/authorize or POST /admin/authorization-codes)', example: 'SplxlOBeZQQYbYS6WxSbIA' })
  AuthorizationCode: string;

  @ApiProperty({ description: 'PKCE code verifier (RFC 7636) of the code challenge the code was issued with', example: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' })
  CodeVerifier: string;

  @ApiProperty({ description: 'Return URL of the application: exactly the redirect_uri the code was issued for', example: 'https://app.example.com/callback' })
  RedirectUri: string;

  @ApiProperty({ description: 'Web client id: a public client of profile midnight', example: 'midnight-web' })
  UserPoolWebClientId: string;
}

/** The success answer, fields in the vendor's order (JSON and XML alike). */
export class AuthTokenResponseModel {
  @ApiProperty({ description: 'Access token (a JWT verifiable against /oauth2/jwks)', example: 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9...' })
  access_token: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Refresh token; null in JSON (and no element in XML) when the client is configured not to issue one',
    example: 'tGzv3JOkF0XG5Qx2TlKWIA',
  })
  refresh_token: string | null;

  @ApiProperty({ description: 'Token type', example: 'Bearer', enum: ['Bearer'] })
  token_type: 'Bearer';

  @ApiProperty({ type: 'integer', description: 'Access-token lifetime in seconds', example: 3600 })
  expires_in: number;

  @ApiProperty({ type: String, nullable: true, description: "The user's full name", example: 'Ada Lovelace' })
  Name: string | null;
}

/** ASP.NET Web API 2's HttpError, as the vendor's errors come. */
export class MidnightError {
  @ApiProperty({ example: 'The request is invalid.' })
  Message: string;

  @ApiProperty({
    required: false,
    description: 'Validation errors only: one key per failed field (model.<Field>, or model for an unreadable body), each with its messages',
    type: Object,
    additionalProperties: { type: 'array', items: { type: 'string' } },
    example: { 'model.Domain': ['The Domain field is required.'] },
  })
  ModelState?: Record<string, string[]>;
}
