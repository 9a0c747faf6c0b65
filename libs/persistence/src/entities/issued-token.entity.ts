import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const ISSUED_TOKEN_KINDS = ['access_token', 'sigv4_credentials'] as const;
export type IssuedTokenKind = (typeof ISSUED_TOKEN_KINDS)[number];

/**
 * A record of each access token (by jti) or SigV4 credential (by access key id):
 * enough for introspection and revocation of otherwise self-contained tokens.
 */
@Entity({ name: 'issued_tokens' })
export class IssuedTokenEntity {
  /** The JWT's jti, or the SigV4 access key id. */
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  kind: IssuedTokenKind;

  /** Null for client_credentials tokens, which belong to no user grant. */
  @Column({ name: 'grant_id', type: 'uuid', nullable: true })
  grantId: string | null;

  @Column({ name: 'client_id', type: 'text' })
  clientId: string;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ type: 'text', default: '' })
  scope: string;

  @Column({ name: 'dpop_jkt', type: 'text', nullable: true })
  dpopJkt: string | null;

  /** SigV4 only: the secret access key, AES-256-GCM encrypted (a verifier needs it). */
  @Column({ name: 'secret_encrypted', type: 'bytea', nullable: true })
  secretEncrypted: Buffer | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
