import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The form fields of POST /oauth2/introspect (RFC 7662 §2.1; documentation only: the body is a form). */
export class IntrospectionRequestForm {
  @ApiProperty({ example: 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9...', description: 'The access token or refresh token to introspect' })
  token: string;

  @ApiPropertyOptional({
    enum: ['access_token', 'refresh_token'],
    example: 'access_token',
    description: 'A hint only: the other kind is tried too; other values are ignored',
  })
  token_type_hint?: string;

  @ApiPropertyOptional({ example: 'resource-server', description: 'client_secret_post' })
  client_id?: string;

  @ApiPropertyOptional({ description: 'client_secret_post' })
  client_secret?: string;
}

/** RFC 7662 §2.2. An inactive, unknown or foreign token is answered `{"active": false}` alone. */
export class IntrospectionResponseBody {
  @ApiProperty({ example: true })
  active: boolean;

  @ApiPropertyOptional({ example: 'openid profile email' })
  scope?: string;

  @ApiPropertyOptional({ example: 'my-app' })
  client_id?: string;

  @ApiPropertyOptional({ example: 'ada', description: "The user's username (absent for client_credentials tokens)" })
  username?: string;

  @ApiPropertyOptional({ enum: ['Bearer', 'DPoP'], example: 'Bearer', description: 'Access tokens only (RFC 6749 §5.1 type; DPoP when key-bound, RFC 9449 §6.2)' })
  token_type?: 'Bearer' | 'DPoP';

  @ApiPropertyOptional({ enum: ['access_token', 'refresh_token'], example: 'access_token', description: 'Which kind of token this is' })
  token_use?: 'access_token' | 'refresh_token';

  @ApiPropertyOptional({ example: 1795000000 })
  exp?: number;

  @ApiPropertyOptional({ example: 1794996400 })
  iat?: number;

  @ApiPropertyOptional({ example: '3f1c2a9e-8d4b-4f6a-9c1e-2b7d5a0e4f81', description: 'The user id (the client id for client_credentials)' })
  sub?: string;

  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], example: 'https://id.example.com', description: 'Access tokens only' })
  aud?: string | string[];

  @ApiPropertyOptional({ example: 'https://id.example.com' })
  iss?: string;

  @ApiPropertyOptional({ example: 'x3B1bQ8Yq2W0m3x9sP0y6A', description: 'Access tokens only' })
  jti?: string;

  @ApiPropertyOptional({ example: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' }, description: 'When bound to a DPoP key (RFC 9449 §6.2)' })
  cnf?: { jkt: string };
}
