import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * One refresh token of a family (all tokens of one grant). Rotation marks the old token
 * consumed and inserts its successor with `parent_digest` pointing back.
 */
@Entity({ name: 'refresh_tokens' })
export class RefreshTokenEntity {
  @PrimaryColumn({ name: 'token_digest', type: 'bytea' })
  tokenDigest: Buffer;

  @Column({ name: 'grant_id', type: 'uuid' })
  grantId: string;

  @Column({ name: 'parent_digest', type: 'bytea', nullable: true })
  parentDigest: Buffer | null;

  @Column({ name: 'client_id', type: 'text' })
  clientId: string;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ type: 'text', default: '' })
  scope: string;

  @Column({ name: 'dpop_jkt', type: 'text', nullable: true })
  dpopJkt: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** The family's absolute end, copied from the first token of the grant. */
  @Column({ name: 'family_expires_at', type: 'timestamptz' })
  familyExpiresAt: Date;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;

  /** Set when the grace window let this consumed token be used once more. */
  @Column({ name: 'grace_used_at', type: 'timestamptz', nullable: true })
  graceUsedAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
