import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The form body of POST /oauth2/userinfo (RFC 6750 §2.2; documentation only). */
export class UserinfoRequestForm {
  @ApiPropertyOptional({
    example: 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9...',
    description: 'A bearer access token, instead of the Authorization header (never both)',
  })
  access_token?: string;
}

/** OpenID Connect Core §5.3.2: the claims the token's scope allows. */
export class UserinfoResponseBody {
  @ApiProperty({ example: '3f1c2a9e-8d4b-4f6a-9c1e-2b7d5a0e4f81', description: 'The user id (the ID token sub)' })
  sub: string;

  @ApiPropertyOptional({ example: 'Ada Lovelace', description: 'With scope profile' })
  name?: string;

  @ApiPropertyOptional({ example: 'ada@example.com', description: 'With scope email, when the user has one' })
  email?: string;
}
