import { ApiPropertyOptional } from '@nestjs/swagger';
import { CLIENT_GRANT_TYPES, LIMITS, redirectUriProblem, SCOPE_TOKEN, type UpdateClientInput } from '@latchkey/clients';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';

/** Each element is a registrable redirect URI (absolute, no fragment). */
function AreRedirectUris() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'areRedirectUris',
      target: target.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => Array.isArray(value) && value.every((uri) => redirectUriProblem(uri) === null),
        defaultMessage: (args?: ValidationArguments) =>
          (Array.isArray(args?.value) ? args.value : [])
            .map((uri: unknown) => [uri, redirectUriProblem(uri)] as const)
            .filter(([, problem]) => problem)
            .map(([uri, problem]) => `${JSON.stringify(uri)}: ${problem}`)
            .join('; ') || 'redirectUris must be an array of absolute URIs',
      },
    });
}

/**
 * PATCH /admin/clients/{clientId}: any of these; clientId, profile and type never change.
 * Rules that depend on the stored client (e.g. a midnight client keeps a domain) are
 * checked by the registry.
 */
export class UpdateClientDto implements UpdateClientInput {
  @ApiPropertyOptional({ example: 'AWS CLI (renamed)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ type: [String], example: ['http://127.0.0.1:8080/oauth/callback'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIMITS.redirectUris)
  @ArrayUnique()
  @AreRedirectUris()
  redirectUris?: string[];

  @ApiPropertyOptional({ enum: CLIENT_GRANT_TYPES, isArray: true, example: ['authorization_code', 'refresh_token'] })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(CLIENT_GRANT_TYPES, { each: true })
  grantTypes?: string[];

  @ApiPropertyOptional({ type: [String], example: ['openid', 'profile'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIMITS.scopes)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(SCOPE_TOKEN, { each: true, message: 'each value in scopes must be a scope token (RFC 6749 §3.3)' })
  scopes?: string[];

  @ApiPropertyOptional({ description: 'Seconds; at most 86400 (no access or ID token lives longer than 24 h)', minimum: LIMITS.accessTokenTtl.min, maximum: LIMITS.accessTokenTtl.max, example: 900 })
  @IsOptional()
  @IsInt()
  @Min(LIMITS.accessTokenTtl.min)
  @Max(LIMITS.accessTokenTtl.max)
  accessTokenTtl?: number;

  @ApiPropertyOptional({ description: 'Seconds', minimum: LIMITS.refreshTokenTtl.min, maximum: LIMITS.refreshTokenTtl.max, example: 2592000 })
  @IsOptional()
  @IsInt()
  @Min(LIMITS.refreshTokenTtl.min)
  @Max(LIMITS.refreshTokenTtl.max)
  refreshTokenTtl?: number;

  @ApiPropertyOptional({
    description: 'Seconds a refresh-token family may live in all; at least refreshTokenTtl. Applies to families started after the change.',
    minimum: LIMITS.refreshFamilyTtl.min,
    maximum: LIMITS.refreshFamilyTtl.max,
    example: 7776000,
  })
  @IsOptional()
  @IsInt()
  @Min(LIMITS.refreshFamilyTtl.min)
  @Max(LIMITS.refreshFamilyTtl.max)
  refreshFamilyTtl?: number;

  @ApiPropertyOptional({ description: 'Seconds (0 = off)', minimum: LIMITS.refreshGraceSeconds.min, maximum: LIMITS.refreshGraceSeconds.max, example: 10 })
  @IsOptional()
  @IsInt()
  @Min(LIMITS.refreshGraceSeconds.min)
  @Max(LIMITS.refreshGraceSeconds.max)
  refreshGraceSeconds?: number;

  @ApiPropertyOptional({ example: true })
  @IsOptional()
  @IsBoolean()
  issueRefreshToken?: boolean;

  @ApiPropertyOptional({ description: 'Public clients cannot turn it off', example: true })
  @IsOptional()
  @IsBoolean()
  requirePkce?: boolean;

  @ApiPropertyOptional({ description: 'Accept PKCE plain (not only S256) from this client. Not recommended.', example: false })
  @IsOptional()
  @IsBoolean()
  allowPlainPkce?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'null clears it (not for midnight clients)', example: 'example.midnight.test' })
  @ValidateIf((o: UpdateClientDto) => o.domain !== undefined && o.domain !== null)
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  domain?: string | null;

  @ApiPropertyOptional({ description: 'A disabled client cannot authenticate', example: false })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}
