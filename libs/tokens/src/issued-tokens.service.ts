import { Injectable } from '@nestjs/common';
import { inTransaction, InsertBatcher, poolOf, preparedStatement, queryPrepared, type ChainedRowInsert, type IssuedTokenKind } from '@latchkey/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import type { AccessTokenPlan } from './token-signer.service.js';

/** What is known of an access-token record before its grant and user are. */
export interface AccessTokenRecordDraft {
  id: string;
  kind: IssuedTokenKind;
  dpopJkt: string | null;
  secretEncrypted: Buffer | null;
  issuedAt: Date;
  expiresAt: Date;
}

/** An issued-token record with what decides whether its token is still good. */
export interface IssuedTokenStatus {
  id: string;
  kind: IssuedTokenKind;
  clientId: string;
  userId: string | null;
  grantId: string | null;
  scope: string;
  dpopJkt: string | null;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  /** When its grant was revoked (null: not revoked, or no grant); a deleted grant counts as revoked. */
  grantRevokedAt: Date | null;
  /** The client is disabled (a deleted client takes its records with it). */
  clientDisabled: boolean;
  /** Not revoked, grant not revoked, client enabled, not expired. */
  active: boolean;
  /** SigV4 credentials only: the secret access key, AES-256-GCM encrypted (see Sigv4CredentialsService). */
  secretEncrypted: Buffer | null;
}

const RECORD_ACCESS_TOKEN = preparedStatement(
  `INSERT INTO issued_tokens (id, kind, grant_id, client_id, user_id, scope, dpop_jkt, created_at, expires_at)
   VALUES ($1, 'access_token', $2, $3, $4, $5, $6, $7, $8)`,
);

/** RECORD_ACCESS_TOKEN for many rows: one array per column. */
const RECORD_ACCESS_TOKENS = preparedStatement(
  `INSERT INTO issued_tokens (id, kind, grant_id, client_id, user_id, scope, dpop_jkt, created_at, expires_at)
   SELECT id, 'access_token', grant_id, client_id, user_id, scope, dpop_jkt, created_at, expires_at
   FROM unnest($1::text[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[])
     AS r (id, grant_id, client_id, user_id, scope, dpop_jkt, created_at, expires_at)`,
);

/**
 * A record whose grant is gone counts as revoked (there is no foreign key: a rotation
 * racing its grant's deletion can leave one behind), and so does one whose client is gone.
 */
const TOKEN_STATUS = preparedStatement(
  `SELECT t.id, t.kind, t.client_id, t.user_id, t.grant_id, t.scope, t.dpop_jkt, t.created_at, t.expires_at,
          t.revoked_at, t.secret_encrypted,
          CASE WHEN t.grant_id IS NOT NULL AND g.id IS NULL THEN t.created_at ELSE g.revoked_at END AS grant_revoked_at,
          COALESCE(c.disabled, true) AS client_disabled,
          (t.revoked_at IS NULL AND (t.grant_id IS NULL OR (g.id IS NOT NULL AND g.revoked_at IS NULL))
           AND NOT COALESCE(c.disabled, true) AND t.expires_at > now()) AS active
   FROM issued_tokens t
   LEFT JOIN grants g ON g.id = t.grant_id
   LEFT JOIN clients c ON c.client_id = t.client_id
   WHERE t.id = $1`,
);

/**
 * The issued_tokens table: one row per access token (by jti), so that self-contained JWTs
 * can still be introspected and revoked (with their grant, or one by one).
 */
@Injectable()
export class IssuedTokensService {
  /** Records made outside a transaction, committed together (group commit). */
  private readonly batcher: InsertBatcher<AccessTokenPlan>;

  constructor(private readonly dataSource: DataSource) {
    this.batcher = new InsertBatcher(
      () => poolOf(dataSource),
      RECORD_ACCESS_TOKENS,
      (plans) => [
        plans.map((p) => p.jti),
        plans.map((p) => p.grantId),
        plans.map((p) => p.clientId),
        plans.map((p) => p.userId),
        plans.map((p) => p.scope),
        plans.map((p) => p.dpopJkt),
        plans.map((p) => p.issuedAt),
        plans.map((p) => p.expiresAt),
      ],
    );
  }

  /**
   * Records a planned access token, committed when the promise resolves. Inside a
   * transaction (`manager` of one) the row is part of it; outside, it joins the rows of
   * concurrent requests in one INSERT (see InsertBatcher).
   */
  async recordAccessToken(plan: AccessTokenPlan, manager: EntityManager = this.dataSource.manager): Promise<void> {
    if (!inTransaction(manager)) return this.batcher.add(plan);
    await queryPrepared(
      manager,
      RECORD_ACCESS_TOKEN,
      [plan.jti, plan.grantId, plan.clientId, plan.userId, plan.scope, plan.dpopJkt, plan.issuedAt, plan.expiresAt],
    );
  }

  /**
   * The INSERT of an access-token record chained to the statement of a rotation or a code
   * redemption: grant, client, user and scope come from the `source` row, the record's own
   * values from its columns `${prefix}0..5` (see ChainedRowInsert).
   */
  static rowInsertFrom(record: AccessTokenRecordDraft): ChainedRowInsert {
    return {
      types: ['text', 'text', 'text', 'bytea', 'timestamptz', 'timestamptz'],
      values: [record.id, record.kind, record.dpopJkt, record.secretEncrypted, record.issuedAt, record.expiresAt],
      sql: (source, v) =>
        `INSERT INTO issued_tokens (id, kind, grant_id, client_id, user_id, scope, dpop_jkt, secret_encrypted, created_at, expires_at)
         SELECT ${v}0, ${v}1, grant_id, client_id, user_id, scope, ${v}2, ${v}3, ${v}4, ${v}5 FROM ${source} RETURNING 1`,
    };
  }

  /** The record with this id and its revocation state, or null when there is none. */
  async status(id: string, manager: EntityManager = this.dataSource.manager): Promise<IssuedTokenStatus | null> {
    const [row] = await queryPrepared(manager, TOKEN_STATUS, [id]);
    if (!row) return null;
    return {
      id: row.id,
      kind: row.kind,
      clientId: row.client_id,
      userId: row.user_id,
      grantId: row.grant_id,
      scope: row.scope,
      dpopJkt: row.dpop_jkt,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      revokedAt: row.revoked_at,
      grantRevokedAt: row.grant_revoked_at,
      clientDisabled: row.client_disabled,
      active: row.active,
      secretEncrypted: row.secret_encrypted,
    };
  }

  /**
   * Revokes one access token (RFC 7009 for a JWT). With `clientId`, only when the token
   * was issued to that client. True when a live record was revoked.
   */
  async revoke(id: string, options: { clientId?: string; manager?: EntityManager } = {}): Promise<boolean> {
    const manager = options.manager ?? this.dataSource.manager;
    const [{ n }] = await manager.query(
      `WITH revoked AS (
         UPDATE issued_tokens SET revoked_at = now()
         WHERE id = $1 AND revoked_at IS NULL AND ($2::text IS NULL OR client_id = $2)
         RETURNING 1
       ) SELECT count(*)::int AS n FROM revoked`,
      [id, options.clientId ?? null],
    );
    return n > 0;
  }
}
