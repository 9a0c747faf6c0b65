import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const CLIENT_PROFILES = ['standard', 'midnight', 'aws-signin', 'huawei', 'dressipi'] as const;
export type ClientProfile = (typeof CLIENT_PROFILES)[number];
export const CLIENT_TYPES = ['confidential', 'public'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

/** A registered OAuth client. Secrets and API keys are stored only as HMAC digests. */
@Entity({ name: 'clients' })
export class ClientEntity {
  @PrimaryColumn({ name: 'client_id', type: 'text' })
  clientId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  profile: ClientProfile;

  @Column({ type: 'text' })
  type: ClientType;

  @Column({ name: 'secret_digest', type: 'bytea', nullable: true })
  secretDigest: Buffer | null;

  @Column({ name: 'previous_secret_digest', type: 'bytea', nullable: true })
  previousSecretDigest: Buffer | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  @Column({ name: 'api_key_digest', type: 'bytea', nullable: true })
  apiKeyDigest: Buffer | null;

  @Column({ name: 'previous_api_key_digest', type: 'bytea', nullable: true })
  previousApiKeyDigest: Buffer | null;

  @Column({ name: 'previous_api_key_expires_at', type: 'timestamptz', nullable: true })
  previousApiKeyExpiresAt: Date | null;

  @Column({ name: 'redirect_uris', type: 'text', array: true, default: () => "'{}'" })
  redirectUris: string[];

  @Column({ name: 'grant_types', type: 'text', array: true, default: () => "'{}'" })
  grantTypes: string[];

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  scopes: string[];

  /** Seconds. */
  @Column({ name: 'access_token_ttl', type: 'integer', default: 3600 })
  accessTokenTtl: number;

  /** Seconds a single refresh token stays valid. */
  @Column({ name: 'refresh_token_ttl', type: 'integer', default: 2592000 })
  refreshTokenTtl: number;

  /** Seconds a whole refresh-token family may live, however often it rotates. */
  @Column({ name: 'refresh_family_ttl', type: 'integer', default: 7776000 })
  refreshFamilyTtl: number;

  /** Seconds during which a just-rotated refresh token may be used once more (0 = off). */
  @Column({ name: 'refresh_grace_seconds', type: 'integer', default: 0 })
  refreshGraceSeconds: number;

  @Column({ name: 'issue_refresh_token', type: 'boolean', default: true })
  issueRefreshToken: boolean;

  @Column({ name: 'require_pkce', type: 'boolean', default: true })
  requirePkce: boolean;

  /** PKCE `plain` is refused unless a client is configured for it. */
  @Column({ name: 'allow_plain_pkce', type: 'boolean', default: false })
  allowPlainPkce: boolean;

  @Column({ type: 'text', nullable: true })
  domain: string | null;

  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
