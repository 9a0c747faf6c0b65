import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The form fields of POST /oauth2/token (documentation only: the body is a form). */
export class TokenRequestForm {
  @ApiProperty({ enum: ['authorization_code', 'refresh_token', 'client_credentials'], example: 'authorization_code' })
  grant_type: string;

  @ApiPropertyOptional({ example: 'SplxlOBeZQQYbYS6WxSbIA', description: 'authorization_code' })
  code?: string;

  @ApiPropertyOptional({ example: 'https://app.example.com/callback', description: 'authorization_code: as sent to /oauth2/authorize' })
  redirect_uri?: string;

  @ApiPropertyOptional({ example: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', description: 'authorization_code with PKCE' })
  code_verifier?: string;

  @ApiPropertyOptional({ example: 'tGzv3JOkF0XG5Qx2TlKWIA', description: 'refresh_token' })
  refresh_token?: string;

  @ApiPropertyOptional({ example: 'openid profile', description: 'refresh_token (narrower) or client_credentials' })
  scope?: string;

  @ApiPropertyOptional({ example: 'my-app', description: 'client_secret_post and public clients' })
  client_id?: string;

  @ApiPropertyOptional({ description: 'client_secret_post' })
  client_secret?: string;
}

export class TokenResponseBody {
  @ApiProperty({ example: 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9...' })
  access_token: string;

  @ApiProperty({ enum: ['Bearer', 'DPoP'], example: 'Bearer' })
  token_type: 'Bearer' | 'DPoP';

  @ApiProperty({ example: 3600 })
  expires_in: number;

  @ApiPropertyOptional({ example: 'tGzv3JOkF0XG5Qx2TlKWIA' })
  refresh_token?: string;

  @ApiPropertyOptional({ example: 'eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9...' })
  id_token?: string;

  @ApiPropertyOptional({ example: 'openid profile' })
  scope?: string;
}
