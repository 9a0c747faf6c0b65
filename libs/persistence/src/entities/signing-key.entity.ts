import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const SIGNING_KEY_STATES = ['next', 'active', 'retired'] as const;
export type SigningKeyState = (typeof SIGNING_KEY_STATES)[number];

/**
 * A JWS signing key. `next` keys are published before they sign, `retired` keys stay
 * published until the tokens they signed have expired.
 */
@Entity({ name: 'signing_keys' })
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'text' })
  kid: string;

  @Column({ type: 'text' })
  alg: 'ES256' | 'RS256';

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk: Record<string, unknown>;

  /** AES-256-GCM under KEY_ENCRYPTION_KEY: iv (12) | tag (16) | ciphertext. */
  @Column({ name: 'private_jwk_encrypted', type: 'bytea' })
  privateJwkEncrypted: Buffer;

  @Column({ type: 'text' })
  state: SigningKeyState;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt: Date | null;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;
}
