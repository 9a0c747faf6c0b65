import { Injectable } from '@nestjs/common';
import { ServerSecrets } from '@latchkey/config';
import { KeyEncryption, pooledRandomBytes } from '@latchkey/crypto';
import { createHmac, createSecretKey, hkdfSync, randomInt, timingSafeEqual, type KeyObject } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { IssuedTokensService, type IssuedTokenStatus } from './issued-tokens.service.js';

/** SigV4 credentials live at most this long (aws-signin's CreateOAuth2Token: expiresIn 1..900). */
export const SIGV4_MAX_LIFETIME_SECONDS = 900;

/** `ASIA` (AWS's prefix for temporary credentials) + 16 upper-case alphanumerics. */
export const ACCESS_KEY_ID = /^ASIA[A-Z0-9]{16}$/;

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SESSION_TOKEN_VERSION = 1;
const SESSION_TOKEN_BYTES = 1 + 20 + 32;

export interface Sigv4CredentialsInput {
  clientId: string;
  userId: string | null;
  grantId: string | null;
  /** Space-separated. */
  scope: string;
  /** Seconds; clamped to 1..SIGV4_MAX_LIFETIME_SECONDS. */
  expiresIn: number;
  /** Defaults to now (whole seconds). */
  issuedAt?: Date;
}

/** Credentials about to be issued: what the record stores and what the client is given once. */
export interface Sigv4CredentialsPlan {
  accessKeyId: string;
  /** 40 characters of base64, like AWS's; handed out once, stored only encrypted. */
  secretAccessKey: string;
  sessionToken: string;
  clientId: string;
  userId: string | null;
  grantId: string | null;
  scope: string;
  issuedAt: Date;
  expiresAt: Date;
  /** The lifetime actually used, in seconds. */
  expiresIn: number;
}

/** A live record of credentials, with the secret a verifier needs. */
export interface ResolvedSigv4Credentials {
  record: IssuedTokenStatus;
  secretAccessKey: string;
}

/**
 * Real SigV4 credentials as access tokens (the aws-signin dialect), kept in issued_tokens
 * (kind sigv4_credentials, id = the access key id) so that they can be verified,
 * introspected and revoked with their grant like JWT access tokens:
 * - accessKeyId: `ASIA` + 16 random upper-case alphanumerics (82 bits);
 * - secretAccessKey: 30 random bytes as 40 base64 characters, stored AES-256-GCM encrypted
 *   under KEY_ENCRYPTION_KEY with the access key id as additional data (a verifier must
 *   recompute signatures, so a digest would not do; a ciphertext moved to another row does
 *   not decrypt);
 * - sessionToken: base64 of version (1 byte) | access key id (20 bytes) | HMAC-SHA-256 of
 *   both under a key derived from KEY_ENCRYPTION_KEY for this purpose only (HKDF info
 *   "latchkey sigv4 session token v1"). Latchkey resolves it to its access key id without a
 *   lookup, and nobody without the server key can make one for another key id.
 */
@Injectable()
export class Sigv4CredentialsService {
  /** A KeyObject: with a raw Buffer key each createHmac spent ~12 us more checking its type. */
  private readonly sessionKey: KeyObject;

  constructor(
    private readonly dataSource: DataSource,
    private readonly keyEncryption: KeyEncryption,
    private readonly issued: IssuedTokensService,
    secrets: ServerSecrets,
  ) {
    this.sessionKey = createSecretKey(Buffer.from(hkdfSync('sha256', secrets.keyEncryptionKey, Buffer.alloc(0), 'latchkey sigv4 session token v1', 32)));
  }

  /** New credentials; pure but for randomness (record them with `record`). */
  plan(input: Sigv4CredentialsInput): Sigv4CredentialsPlan {
    const expiresIn = sigv4Lifetime(input.expiresIn);
    const issuedAt = new Date(Math.floor((input.issuedAt ?? new Date()).getTime() / 1000) * 1000);
    const accessKeyId = newAccessKeyId();
    return {
      accessKeyId,
      secretAccessKey: pooledRandomBytes(30).toString('base64'),
      sessionToken: this.sessionTokenFor(accessKeyId),
      clientId: input.clientId,
      userId: input.userId,
      grantId: input.grantId,
      scope: input.scope,
      issuedAt,
      expiresAt: new Date(issuedAt.getTime() + expiresIn * 1000),
      expiresIn,
    };
  }

  /** Stores the record; pass the token endpoint's transaction as `manager`. */
  async record(plan: Sigv4CredentialsPlan, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      `INSERT INTO issued_tokens (id, kind, grant_id, client_id, user_id, scope, secret_encrypted, created_at, expires_at)
       VALUES ($1, 'sigv4_credentials', $2, $3, $4, $5, $6, $7, $8)`,
      [
        plan.accessKeyId,
        plan.grantId,
        plan.clientId,
        plan.userId,
        plan.scope,
        this.encryptedSecret(plan),
        plan.issuedAt,
        plan.expiresAt,
      ],
    );
  }

  /** The session token of an access key id. */
  /** The secret as issued_tokens stores it (AES-256-GCM, bound to the access key id). */
  encryptedSecret(plan: Sigv4CredentialsPlan): Buffer {
    return this.keyEncryption.encrypt(Buffer.from(plan.secretAccessKey, 'utf8'), secretContext(plan.accessKeyId));
  }

  sessionTokenFor(accessKeyId: string): string {
    const body = Buffer.concat([Buffer.from([SESSION_TOKEN_VERSION]), Buffer.from(accessKeyId, 'ascii')]);
    return Buffer.concat([body, this.mac(body)]).toString('base64');
  }

  /** The access key id a session token was made for, or null for anything this server did not make. */
  accessKeyIdOf(sessionToken: string | undefined): string | null {
    if (typeof sessionToken !== 'string' || sessionToken.length !== 72 || !/^[A-Za-z0-9+/]+=?$/.test(sessionToken)) return null;
    const raw = Buffer.from(sessionToken, 'base64');
    if (raw.length !== SESSION_TOKEN_BYTES || raw[0] !== SESSION_TOKEN_VERSION) return null;
    const body = raw.subarray(0, 21);
    if (!timingSafeEqual(this.mac(body), raw.subarray(21))) return null;
    const accessKeyId = body.subarray(1).toString('ascii');
    return ACCESS_KEY_ID.test(accessKeyId) ? accessKeyId : null;
  }

  /**
   * The record of an access key id and its decrypted secret, whether or not it is still
   * active (callers check `record.active`); null when there are no such credentials.
   */
  async resolve(accessKeyId: string): Promise<ResolvedSigv4Credentials | null> {
    if (!ACCESS_KEY_ID.test(accessKeyId)) return null;
    const record = await this.issued.status(accessKeyId);
    if (!record || record.kind !== 'sigv4_credentials' || !record.secretEncrypted) return null;
    const secretAccessKey = this.keyEncryption.decrypt(record.secretEncrypted, secretContext(accessKeyId)).toString('utf8');
    return { record: { ...record, secretEncrypted: null }, secretAccessKey };
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.sessionKey).update(body).digest();
  }
}

/** A lifetime within 1..SIGV4_MAX_LIFETIME_SECONDS. */
export function sigv4Lifetime(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0) throw new RangeError(`credential lifetime must be positive (got ${seconds})`);
  return Math.min(Math.max(1, Math.floor(seconds)), SIGV4_MAX_LIFETIME_SECONDS);
}

export function newAccessKeyId(): string {
  let id = 'ASIA';
  for (let i = 0; i < 16; i++) id += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return id;
}

/** The additional data that binds an encrypted secret to its key id. */
function secretContext(accessKeyId: string): string {
  return `sigv4-secret:${accessKeyId}`;
}
