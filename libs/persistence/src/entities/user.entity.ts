import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A person (or, for dressipi, an anonymous profile owned by a client). */
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Unique without regard to case (a unique index on lower(username)). */
  @Column({ type: 'text' })
  username: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', nullable: true })
  email: string | null;

  /** argon2id PHC string; null for anonymous profiles, which cannot log in. */
  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash: string | null;

  /** Set for anonymous profiles created by a client (dressipi's out-of-band authorize). */
  @Column({ name: 'owner_client_id', type: 'text', nullable: true })
  ownerClientId: string | null;

  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  /** Grants older than this are refused (AWS: USER_CREDENTIALS_CHANGED). */
  @Column({ name: 'credentials_changed_at', type: 'timestamptz', default: () => 'now()' })
  credentialsChangedAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
