import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CLIENT_PROFILES, CLIENT_TYPES, type ClientProfile, type ClientType } from '@latchkey/persistence';
import { CLIENT_GRANT_TYPES } from './client-rules.js';

/** What the registry needs to register a client; omitted settings take their defaults. */
export interface RegisterClientInput {
  clientId?: string;
  name: string;
  profile: ClientProfile;
  type: ClientType;
  redirectUris?: string[];
  grantTypes: string[];
  scopes?: string[];
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  /** Seconds a refresh-token family may live in all; at least refreshTokenTtl. */
  refreshFamilyTtl?: number;
  refreshGraceSeconds?: number;
  issueRefreshToken?: boolean;
  requirePkce?: boolean;
  /** Accept PKCE `plain` (not only S256) from this client. */
  allowPlainPkce?: boolean;
  domain?: string | null;
}

/** A partial update; clientId, profile and type never change. `domain: null` clears it. */
export interface UpdateClientInput {
  name?: string;
  redirectUris?: string[];
  grantTypes?: string[];
  scopes?: string[];
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  /** Seconds a refresh-token family may live in all; at least refreshTokenTtl. */
  refreshFamilyTtl?: number;
  refreshGraceSeconds?: number;
  issueRefreshToken?: boolean;
  requirePkce?: boolean;
  /** Accept PKCE `plain` (not only S256) from this client. */
  allowPlainPkce?: boolean;
  domain?: string | null;
  disabled?: boolean;
}

export interface ListClientsInput {
  limit: number;
  offset: number;
}

/** A client as the admin API shows it: never a secret, an API key or a digest. */
export class ClientDto {
  @ApiProperty({ example: 'arn:aws:signin:::devtools/same-device' })
  clientId: string;

  @ApiProperty({ example: 'AWS CLI' })
  name: string;

  @ApiProperty({ enum: CLIENT_PROFILES, example: 'aws-signin' })
  profile: ClientProfile;

  @ApiProperty({ enum: CLIENT_TYPES, example: 'public' })
  type: ClientType;

  @ApiProperty({ type: [String], example: ['http://127.0.0.1:8080/oauth/callback'] })
  redirectUris: string[];

  @ApiProperty({ enum: CLIENT_GRANT_TYPES, isArray: true, example: ['authorization_code', 'refresh_token'] })
  grantTypes: string[];

  @ApiProperty({ type: [String], example: ['openid', 'profile'] })
  scopes: string[];

  @ApiProperty({ description: 'Access-token lifetime in seconds', example: 900 })
  accessTokenTtl: number;

  @ApiProperty({ description: 'Refresh-token lifetime in seconds', example: 2592000 })
  refreshTokenTtl: number;

  @ApiProperty({ description: 'Absolute lifetime in seconds of a refresh-token family, however often it rotates', example: 7776000 })
  refreshFamilyTtl: number;

  @ApiProperty({ description: 'Seconds a just-rotated refresh token may be used once more (0 = off)', example: 0 })
  refreshGraceSeconds: number;

  @ApiProperty({ example: true })
  issueRefreshToken: boolean;

  @ApiProperty({ example: true })
  requirePkce: boolean;

  @ApiProperty({ description: 'Whether a code_challenge may use plain instead of S256', example: false })
  allowPlainPkce: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'midnight: the Domain the dialect matches', example: null })
  domain: string | null;

  @ApiProperty({ example: false })
  disabled: boolean;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:00.000Z' })
  createdAt: Date;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:00.000Z' })
  updatedAt: Date;
}

/** The answer to a registration: the client plus, shown this once, its credentials. */
export class CreatedClientDto extends ClientDto {
  @ApiPropertyOptional({ description: 'Confidential clients only. Shown once; store it now.', example: 'q3Jx0pZ9hXk2b7Q4mN1cV8sT5wR6yU0eA3dF9gH2jK1' })
  clientSecret?: string;

  @ApiPropertyOptional({ description: 'dressipi clients only. Shown once; store it now.', example: 'Zp4Lm8Qw2Er6Ty0Ui3Op7As1Df5Gh9Jk2Lz4Xc8Vb6N' })
  apiKey?: string;
}

export class ClientSecretDto {
  @ApiProperty({ example: 'billing-service' })
  clientId: string;

  @ApiProperty({ description: 'The new secret. Shown once.', example: 'q3Jx0pZ9hXk2b7Q4mN1cV8sT5wR6yU0eA3dF9gH2jK1' })
  clientSecret: string;
}

export class ClientApiKeyDto {
  @ApiProperty({ example: 'dressipi-web' })
  clientId: string;

  @ApiProperty({ description: 'The new API key. Shown once.', example: 'Zp4Lm8Qw2Er6Ty0Ui3Op7As1Df5Gh9Jk2Lz4Xc8Vb6N' })
  apiKey: string;
}

export interface ClientPage {
  items: ClientDto[];
  total: number;
  limit: number;
  offset: number;
}
