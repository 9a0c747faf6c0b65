import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AWS_SIGNIN_CLIENT_ID, CLIENT_GRANT_TYPES, LIMITS, type RegisterClientInput } from '@latchkey/clients';
import { CLIENT_PROFILES, CLIENT_TYPES, type ClientProfile, type ClientType } from '@latchkey/persistence';
import { IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { FollowsClientRules } from './client-rules.validator.js';

/** POST /admin/clients. */
export class RegisterClientDto implements RegisterClientInput {
  @ApiPropertyOptional({
    description: `Required for aws-signin (${AWS_SIGNIN_CLIENT_ID.source}); otherwise a random id is generated when absent. At most 100 characters.`,
    example: 'arn:aws:signin:::devtools/same-device',
  })
  @ValidateIf((o: RegisterClientDto) => o.clientId !== undefined || o.profile === 'aws-signin')
  @FollowsClientRules()
  clientId?: string;

  @ApiProperty({ example: 'AWS CLI' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ enum: CLIENT_PROFILES, example: 'aws-signin' })
  @IsIn(CLIENT_PROFILES)
  profile: ClientProfile;

  @ApiProperty({ enum: CLIENT_TYPES, example: 'public', description: 'confidential clients get a secret, public ones none' })
  @IsIn(CLIENT_TYPES)
  type: ClientType;

  @ApiProperty({
    type: [String],
    description: 'Absolute URIs without a fragment, matched exactly. Required (non-empty) with authorization_code.',
    example: ['http://127.0.0.1:8080/oauth/callback'],
  })
  @IsArray()
  @IsString({ each: true })
  @FollowsClientRules()
  redirectUris: string[];

  @ApiProperty({ enum: CLIENT_GRANT_TYPES, isArray: true, example: ['authorization_code', 'refresh_token'] })
  @IsArray()
  @IsString({ each: true })
  @FollowsClientRules()
  grantTypes: string[];

  @ApiPropertyOptional({ type: [String], example: ['openid', 'profile'], default: [] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @FollowsClientRules()
  scopes?: string[];

  @ApiPropertyOptional({
    description: 'Seconds; at most 86400 (no access or ID token lives longer than 24 h). Default 3600; 86400 for dressipi clients',
    minimum: LIMITS.accessTokenTtl.min,
    maximum: LIMITS.accessTokenTtl.max,
    default: 3600,
    example: 900,
  })
  @IsOptional()
  @IsInt()
  @FollowsClientRules()
  accessTokenTtl?: number;

  @ApiPropertyOptional({ description: 'Seconds', minimum: LIMITS.refreshTokenTtl.min, maximum: LIMITS.refreshTokenTtl.max, default: 2592000, example: 2592000 })
  @IsOptional()
  @IsInt()
  @FollowsClientRules()
  refreshTokenTtl?: number;

  @ApiPropertyOptional({
    description: 'Seconds a refresh-token family may live in all, however often it rotates; at least refreshTokenTtl',
    minimum: LIMITS.refreshFamilyTtl.min,
    maximum: LIMITS.refreshFamilyTtl.max,
    default: 7776000,
    example: 7776000,
  })
  @IsOptional()
  @IsInt()
  @FollowsClientRules()
  refreshFamilyTtl?: number;

  @ApiPropertyOptional({
    description: 'Seconds a just-rotated refresh token may be used once more (0 = off)',
    minimum: LIMITS.refreshGraceSeconds.min,
    maximum: LIMITS.refreshGraceSeconds.max,
    default: 0,
    example: 0,
  })
  @IsOptional()
  @IsInt()
  @FollowsClientRules()
  refreshGraceSeconds?: number;

  @ApiPropertyOptional({ default: true, example: true })
  @IsOptional()
  @IsBoolean()
  issueRefreshToken?: boolean;

  @ApiPropertyOptional({ description: 'Defaults to true for public clients (which cannot turn it off), false for confidential ones', example: true })
  @IsOptional()
  @IsBoolean()
  @FollowsClientRules()
  requirePkce?: boolean;

  @ApiPropertyOptional({
    description:
      'Accept PKCE plain (not only S256) whenever this client sends a code_challenge; an absent code_challenge_method then means plain. ' +
      'Also for confidential clients without requirePkce, whose PKCE is optional. Not recommended (RFC 9700 §2.1.1).',
    default: false,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  allowPlainPkce?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Required for midnight: the Domain its requests must name', example: null })
  @ValidateIf((o: RegisterClientDto) => (o.domain !== undefined && o.domain !== null) || o.profile === 'midnight')
  @FollowsClientRules()
  domain?: string | null;
}
