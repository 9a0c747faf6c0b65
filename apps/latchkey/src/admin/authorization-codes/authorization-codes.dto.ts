import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { MAX_CODE_LIFETIME_SECONDS, PKCE_METHODS, type PkceMethod } from '@latchkey/authorization-codes';

/** POST /admin/authorization-codes: a code for a user the calling front end authenticated itself. */
export class CreateAuthorizationCodeDto {
  @ApiProperty({ description: 'The client the code is for: it must exist, be enabled and allow authorization_code', example: 'web-app' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  clientId: string;

  @ApiProperty({ description: 'The authenticated user: must exist and be enabled', format: 'uuid', example: '3f1c2a9e-5b7d-4c8e-9a01-2b3c4d5e6f70' })
  @IsUUID()
  userId: string;

  @ApiProperty({
    description: "Byte-for-byte one of the client's registered redirect URIs; the token request must repeat it",
    example: 'https://app.example.com/callback',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  redirectUri: string;

  @ApiProperty({
    required: false,
    description: "Space-separated, within the client's scopes when it lists any. Default: the client's scopes",
    example: 'openid profile',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  scope?: string;

  @ApiProperty({
    required: false,
    description: 'PKCE (RFC 7636). Required for public clients and clients with requirePkce',
    example: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  codeChallenge?: string;

  @ApiProperty({
    required: false,
    enum: PKCE_METHODS,
    description: 'S256; plain only for clients that allow it. Omitted with a codeChallenge means plain (RFC 7636 §4.3)',
    example: 'S256',
  })
  @IsOptional()
  @IsIn(PKCE_METHODS)
  codeChallengeMethod?: PkceMethod;

  @ApiProperty({ required: false, description: 'OpenID Connect nonce, copied into the ID token', example: 'n-0S6_WzA2Mj' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  nonce?: string;

  @ApiProperty({ required: false, description: 'Lifetime in seconds', minimum: 1, maximum: MAX_CODE_LIFETIME_SECONDS, default: 60, example: 60 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_CODE_LIFETIME_SECONDS)
  expiresIn?: number;
}

export class AuthorizationCodeCreatedDto {
  @ApiProperty({
    description: 'The code, shown only in this answer (only its digest is stored); single use',
    example: 'mF_9.B5f-4.1JqM3pTq0yR7kC2wXo8sVn6dLh1aZuE',
  })
  code: string;

  @ApiProperty({ description: 'Seconds until the code expires', example: 60 })
  expiresIn: number;
}
