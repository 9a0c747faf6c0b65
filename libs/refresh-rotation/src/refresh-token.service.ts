import { Injectable } from '@nestjs/common';
import { generateOpaqueToken, SecretDigester } from '@latchkey/crypto';
import { GrantsService } from '@latchkey/grants';
import {
  inTransaction,
  poolOf,
  preparedStatement,
  queryPrepared,
  resultsByOrd,
  StatementBatcher,
  type BatchPlan,
  chainedShape,
  chainRowInserts,
  type ChainedRowInsert,
  type PreparedStatement,
} from '@latchkey/persistence';
import { DataSource, type EntityManager } from 'typeorm';

export interface NewRefreshToken {
  grantId: string;
  clientId: string;
  userId: string | null;
  scope: string;
  /** RFC 9449: the thumbprint of the DPoP key the token is bound to. */
  dpopJkt?: string | null;
  /** Seconds this token stays valid (never beyond the family's end). */
  ttlSeconds: number;
  /** Seconds the whole family may live; used when `familyExpiresAt` is not given. */
  familyTtlSeconds: number;
  parentDigest?: Buffer | null;
  /** The family's absolute end, for a successor; a new family starts at now + familyTtlSeconds. */
  familyExpiresAt?: Date | null;
}

export interface IssuedRefreshToken {
  /** The token itself: handed to the client once, stored only as its digest. */
  token: string;
  expiresAt: Date;
  familyExpiresAt: Date;
}

/**
 * The access-token record chained to a rotation: reads the consumed token's columns
 * (grant_id, client_id, user_id, scope, ...) and its own values (v0, v1, ...) from the CTE
 * named `consumed`.
 */
export type SuccessorCompanion = ChainedRowInsert;

export interface RotateOptions {
  /** The authenticated client. A token of another client is refused, and nothing is revoked. */
  clientId: string;
  /** Lifetime of the successor in seconds (the client's refresh_token_ttl), capped by the family's end. */
  ttlSeconds: number;
  /** The client's refresh_grace_seconds; 0 turns the grace window off. */
  graceSeconds: number;
  /**
   * Thumbprint of the key of the request's verified DPoP proof, or null/absent without a
   * proof. A DPoP-bound token is accepted only with a proof of its own key.
   */
  dpopJkt?: string | null;
}

/** The successor handed out by a rotation, and what it carries. */
export interface RotatedRefreshToken {
  token: string;
  grantId: string;
  clientId: string;
  userId: string | null;
  scope: string;
  dpopJkt: string | null;
  /** The grant's auth_time, for an ID token issued on refresh. */
  authTime: Date | null;
  expiresAt: Date;
  familyExpiresAt: Date;
  /** True when this rotation used the presented token's one grace refresh. */
  grace: boolean;
}

/**
 * The outcome of presenting a refresh token. Only `rotated` may lead to tokens; every
 * other outcome is `invalid_grant` at the token endpoint.
 * - rotated: the token was consumed (or its grace used) and `refresh.token` succeeds it;
 * - reused: an already rotated token outside its grace: the whole family (the grant, all
 *   its refresh tokens and access tokens) HAS BEEN REVOKED in the caller's transaction,
 *   which must therefore commit (answer the error after commit, do not throw inside it);
 * - client_mismatch: the token belongs to another client; nothing is consumed or revoked;
 * - dpop_mismatch: a DPoP-bound token without a proof of its key; nothing is consumed or revoked;
 * - credentials_changed: the user is disabled, or changed their password after the grant
 *   was made (users.credentials_changed_at > grants.created_at); nothing is consumed;
 * - revoked: the token or its grant was revoked;
 * - family_expired: the family's absolute lifetime is over;
 * - expired: this token's own lifetime is over;
 * - unknown: no such token.
 */
export type RefreshRotation =
  | { status: 'rotated'; refresh: RotatedRefreshToken }
  | { status: 'reused'; grantId: string }
  | { status: 'client_mismatch' }
  | { status: 'dpop_mismatch' }
  | { status: 'credentials_changed' }
  | { status: 'revoked' }
  | { status: 'family_expired' }
  | { status: 'expired' }
  | { status: 'unknown' };

/** What introspection (RFC 7662) and revocation (RFC 7009) need to know about a refresh token. */
export interface RefreshTokenInfo {
  active: boolean;
  grantId: string;
  clientId: string;
  userId: string | null;
  scope: string;
  dpopJkt: string | null;
  issuedAt: Date;
  expiresAt: Date;
}

/**
 * The conditions a consuming UPDATE of `refresh_tokens r` adds: the token's grant exists
 * and is live, and its user (if any) is enabled and has not changed their password since
 * the grant was made. The grant is read, not locked: a revocation marks the grant first
 * and its tokens second, and a rotation that slipped in between left a successor whose
 * grant is revoked, which nothing accepts (every reader checks the grant). A rotation
 * locks only the rows of the tokens it consumes; the reuse path runs its revocation as a
 * statement of its own. (A batch holding two tokens of one family could still meet a
 * revocation of that family in a lock cycle; Postgres aborts the batch and every
 * rotation in it runs again on its own: see StatementBatcher.)
 */
const GRANT_LIVE_AND_USER_UNCHANGED = `g.id = r.grant_id AND g.revoked_at IS NULL
  AND NOT coalesce(u.disabled OR u.credentials_changed_at > g.created_at, false)`;

/**
 * Refresh-token families (DESIGN.md §5): every token of one grant is one family. A token
 * rotates on every use; presenting a rotated token again revokes the family, except once
 * within the client's grace window. Tokens are stored only as HMAC digests.
 */
@Injectable()
export class RefreshTokenService {
  /** Plain rotations outside a transaction, committed together (group commit). */
  private readonly rotations: StatementBatcher<RotationInput, SuccessorRow | undefined>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly digester: SecretDigester,
    private readonly grants: GrantsService,
  ) {
    this.rotations = new StatementBatcher(() => poolOf(dataSource), ROTATION_BATCH_PLAN);
  }

  /** Stores a new token (the first of a family, or a successor given parentDigest and familyExpiresAt). */
  async issue(input: NewRefreshToken, manager: EntityManager = this.dataSource.manager): Promise<IssuedRefreshToken> {
    assertSeconds('ttlSeconds', input.ttlSeconds);
    if (!input.familyExpiresAt) assertSeconds('familyTtlSeconds', input.familyTtlSeconds);
    const token = generateOpaqueToken();
    const [row] = await manager.query(
      `INSERT INTO refresh_tokens (token_digest, grant_id, parent_digest, client_id, user_id, scope, dpop_jkt,
         expires_at, family_expires_at)
       SELECT $1, $2, $3, $4, $5, $6, $7, least(now() + make_interval(secs => $8::integer), f.end_at), f.end_at
       FROM (SELECT coalesce($9::timestamptz, now() + make_interval(secs => $10::integer)) AS end_at) f
       RETURNING expires_at, family_expires_at`,
      [
        this.digester.digest(token),
        input.grantId,
        input.parentDigest ?? null,
        input.clientId,
        input.userId,
        input.scope,
        input.dpopJkt ?? null,
        input.ttlSeconds,
        input.familyExpiresAt ?? null,
        input.familyExpiresAt ? null : input.familyTtlSeconds,
      ],
    );
    return { token, expiresAt: row.expires_at, familyExpiresAt: row.family_expires_at };
  }

  /**
   * The first token of a new family as an insert chained to a code redemption: grant_id,
   * client_id, user_id and scope come from `source`. The token is returned now and is
   * valid once the statement commits.
   */
  firstOfFamilyFrom(input: Pick<NewRefreshToken, 'dpopJkt' | 'ttlSeconds' | 'familyTtlSeconds'>): { token: string; insert: ChainedRowInsert } {
    assertSeconds('ttlSeconds', input.ttlSeconds);
    assertSeconds('familyTtlSeconds', input.familyTtlSeconds);
    const token = generateOpaqueToken();
    const insert: ChainedRowInsert = {
      types: ['bytea', 'text', 'integer', 'integer'],
      values: [this.digester.digest(token), input.dpopJkt ?? null, input.ttlSeconds, input.familyTtlSeconds],
      sql: (source, v) =>
        `INSERT INTO refresh_tokens (token_digest, grant_id, client_id, user_id, scope, dpop_jkt, expires_at, family_expires_at)
         SELECT ${v}0, grant_id, client_id, user_id, scope, ${v}1,
                least(now() + make_interval(secs => ${v}2), now() + make_interval(secs => ${v}3)), now() + make_interval(secs => ${v}3)
         FROM ${source} RETURNING 1`,
    };
    return { token, insert };
  }

  /**
   * Rotates a refresh token. The hot path is ONE statement: an UPDATE that consumes the
   * token only if it is unconsumed, unrevoked, unexpired, within its family's lifetime,
   * of this client, of this DPoP key and of a live grant, chained (data-modifying CTE) to
   * the INSERT of its successor (parent_digest = the old digest, same family end). Of any
   * number of concurrent rotations exactly one consumes; the others wait for its row lock
   * and then find the token consumed. It runs as a prepared statement (parsed and planned
   * once per connection).
   *
   * When nothing was consumed, a lookup says why. A consumed token is reuse: the family is
   * revoked and `reused` returned, unless the grace window applies: graceSeconds > 0, the
   * token was consumed less than graceSeconds ago, by the same client, and its grace is
   * unused. Then one more successor is issued (the first successor stays valid too: two
   * live branches, one per racing tab; either branch rotates on normally, and reuse of any
   * consumed token outside its grace still revokes the whole family). The grace is taken by
   * `UPDATE ... SET grace_used_at = now() WHERE grace_used_at IS NULL`, so of concurrent
   * late comers only one gets it; the rest are reuse.
   *
   * Run it in the token endpoint's transaction (READ COMMITTED, the default).
   */
  async rotate(
    token: string,
    options: RotateOptions,
    manager: EntityManager = this.dataSource.manager,
    companion?: SuccessorCompanion,
  ): Promise<RefreshRotation> {
    assertSeconds('ttlSeconds', options.ttlSeconds);
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) return { status: 'unknown' };
    const digest = this.digester.digest(token);
    const dpopJkt = options.dpopJkt ?? null;

    // Inside a transaction the token's row stays locked until commit (READ COMMITTED's
    // re-check locks it even when the UPDATE then matches nothing), so the grant is locked
    // first, in the order every revocation takes them (grant, then tokens): a reuse
    // revocation holding the token cannot then wait for a revocation holding the grant.
    // Autocommit rotations hold nothing past their statement and skip this round trip.
    if (inTransaction(manager)) {
      await manager.query(
        `SELECT 1 FROM grants g JOIN refresh_tokens r ON r.grant_id = g.id WHERE r.token_digest = $1 FOR NO KEY UPDATE OF g`,
        [digest],
      );
    }
    const rotated = await this.consumeAndSucceed(manager, 'consume', { digest, clientId: options.clientId, dpopJkt, graceSeconds: 0 }, options.ttlSeconds, companion);
    if (rotated) return rotated;

    const graceSeconds = Math.max(0, Math.floor(options.graceSeconds));
    const [found]: LookupRow[] = await manager.query(
      `SELECT r.grant_id, r.client_id, r.dpop_jkt,
              r.consumed_at IS NOT NULL AS consumed,
              r.revoked_at IS NOT NULL OR g.revoked_at IS NOT NULL AS revoked,
              r.family_expires_at <= now() AS family_expired,
              r.expires_at <= now() AS expired,
              r.grace_used_at IS NULL AND r.consumed_at > now() - make_interval(secs => $2::integer) AS in_grace,
              coalesce(u.disabled OR u.credentials_changed_at > g.created_at, false) AS credentials_changed
       FROM refresh_tokens r JOIN grants g ON g.id = r.grant_id LEFT JOIN users u ON u.id = r.user_id
       WHERE r.token_digest = $1`,
      [digest, graceSeconds],
    );
    if (!found) return { status: 'unknown' };
    // Checked before reuse, so that neither another client nor someone without the DPoP
    // key can kill a family by presenting a consumed token.
    if (found.client_id !== options.clientId) return { status: 'client_mismatch' };
    if (found.dpop_jkt !== null && found.dpop_jkt !== dpopJkt) return { status: 'dpop_mismatch' };
    // Before `revoked`: disabling a user also revokes their grants, and this says why.
    if (found.credentials_changed) return { status: 'credentials_changed' };
    if (found.revoked) return { status: 'revoked' };
    if (found.consumed) {
      if (graceSeconds > 0 && found.in_grace && !found.family_expired) {
        const graced = await this.consumeAndSucceed(manager, 'grace', { digest, clientId: options.clientId, dpopJkt, graceSeconds }, options.ttlSeconds, companion);
        if (graced) return graced;
      }
      // Outside a transaction the UPDATE above has committed and holds nothing; inside one
      // (a scope-narrowing refresh) it may hold the token's row, locked by READ COMMITTED's
      // re-check, while a revocation holds the grant: Postgres breaks that rare cycle and
      // the caller's transactionWithRetry runs the request again.
      await this.grants.revoke(found.grant_id, manager);
      return { status: 'reused', grantId: found.grant_id };
    }
    if (found.family_expired) return { status: 'family_expired' };
    if (found.expired) return { status: 'expired' };
    return { status: 'unknown' };
  }

  /** Introspection: what a token is, and whether it is usable now. Null when unknown. */
  async inspect(token: string, manager: EntityManager = this.dataSource.manager): Promise<RefreshTokenInfo | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) return null;
    const [row] = await manager.query(
      `SELECT r.grant_id, r.client_id, r.user_id, r.scope, r.dpop_jkt, r.created_at, r.expires_at,
              (r.consumed_at IS NULL AND r.revoked_at IS NULL AND g.revoked_at IS NULL
               AND r.expires_at > now() AND r.family_expires_at > now()) AS active
       FROM refresh_tokens r JOIN grants g ON g.id = r.grant_id
       WHERE r.token_digest = $1`,
      [this.digester.digest(token)],
    );
    if (!row) return null;
    return {
      active: row.active,
      grantId: row.grant_id,
      clientId: row.client_id,
      userId: row.user_id,
      scope: row.scope,
      dpopJkt: row.dpop_jkt,
      issuedAt: row.created_at,
      expiresAt: row.expires_at,
    };
  }

  /**
   * RFC 7009 for a refresh token: revokes its family (the grant with every refresh and
   * access token). False when the token is unknown or belongs to another client.
   */
  async revokeByToken(token: string, clientId: string, manager?: EntityManager): Promise<boolean> {
    const info = await this.inspect(token, manager);
    if (!info || info.clientId !== clientId) return false;
    await this.grants.revoke(info.grantId, manager);
    return true;
  }

  /** Revokes one family: the grant, all its refresh tokens and access tokens. */
  revokeFamily(grantId: string, manager?: EntityManager): Promise<boolean> {
    return this.grants.revoke(grantId, manager);
  }

  /** Revokes every family of a user. Returns how many grants were revoked. */
  revokeByUser(userId: string, manager?: EntityManager): Promise<number> {
    return this.grants.revokeByUser(userId, manager);
  }

  /** Revokes every family of a client. Returns how many grants were revoked. */
  revokeByClient(clientId: string, manager?: EntityManager): Promise<number> {
    return this.grants.revokeByClient(clientId, manager);
  }

  /**
   * The rotation statement (rotationStatement) for one presented token. Outside a
   * transaction a plain consumption joins the concurrent ones of the same event-loop turn
   * in one statement (group commit, StatementBatcher); each still gets its own outcome.
   * Null when the UPDATE matched nothing.
   */
  private async consumeAndSucceed(
    manager: EntityManager,
    variant: RotationVariant,
    presented: { digest: Buffer; clientId: string; dpopJkt: string | null; graceSeconds: number },
    ttlSeconds: number,
    companion?: SuccessorCompanion,
  ): Promise<RefreshRotation | null> {
    const successor = generateOpaqueToken();
    const input: RotationInput = { variant, ...presented, successorDigest: this.digester.digest(successor), ttlSeconds, companion };
    let row: SuccessorRow | undefined;
    if (!inTransaction(manager) && variant === 'consume') {
      row = await this.rotations.run(input);
    } else {
      const { statement, values } = rotationStatement([input]);
      [row] = await queryPrepared<SuccessorRow>(manager, statement, values);
    }
    if (!row) return null;
    return {
      status: 'rotated',
      refresh: {
        token: successor,
        grantId: row.grant_id,
        clientId: row.client_id,
        userId: row.user_id,
        scope: row.scope,
        dpopJkt: row.dpop_jkt,
        authTime: row.auth_time,
        expiresAt: row.expires_at,
        familyExpiresAt: row.family_expires_at,
        grace: variant === 'grace',
      },
    };
  }
}

type RotationVariant = 'consume' | 'grace';

/** One presented token, with what its rotation needs, as a row of the rotation statement's input. */
interface RotationInput {
  variant: RotationVariant;
  digest: Buffer;
  clientId: string;
  dpopJkt: string | null;
  graceSeconds: number;
  successorDigest: Buffer;
  ttlSeconds: number;
  companion?: SuccessorCompanion;
}

/**
 * What a rotation consumes:
 * - consume: an unconsumed, unrevoked, unexpired token within its family's lifetime;
 * - grace: a token consumed less than in_grace seconds ago whose one grace is unused (the
 *   UPDATE takes the grace: of concurrent late comers only one gets it).
 * Both: of the presenting client and DPoP key, of a live grant, its user unchanged.
 */
const CONSUME: Record<RotationVariant, string> = {
  consume: `UPDATE refresh_tokens r SET consumed_at = now() FROM input i, grants g LEFT JOIN users u ON u.id = g.user_id
    WHERE r.token_digest = i.digest AND r.consumed_at IS NULL AND r.revoked_at IS NULL
      AND r.expires_at > now() AND r.family_expires_at > now()`,
  grace: `UPDATE refresh_tokens r SET grace_used_at = now() FROM input i, grants g LEFT JOIN users u ON u.id = g.user_id
    WHERE r.token_digest = i.digest AND r.consumed_at IS NOT NULL AND r.grace_used_at IS NULL
      AND r.consumed_at > now() - make_interval(secs => i.in_grace) AND r.revoked_at IS NULL AND r.family_expires_at > now()`,
};

/**
 * ONE statement for any number of presented tokens (one input row each): the consuming
 * UPDATE, the INSERT of each successor (parent_digest = the old digest, same family end)
 * and the companion (the access-token record, its own values carried as input columns),
 * for rows of one shape (same variant, same companion). A token presented twice in one
 * batch is consumed once: the other row finds it consumed, as a concurrent request would.
 * Rows come back with their input's `ord`.
 */
function rotationStatement(inputs: readonly RotationInput[]): { statement: PreparedStatement; values: unknown[] } {
  const chained = chainRowInserts(inputs, (i) => (i.companion ? [i.companion] : []), 'consumed', 8);
  const text = `WITH input AS (
      SELECT * FROM unnest($1::integer[], $2::bytea[], $3::text[], $4::text[], $5::integer[], $6::bytea[], $7::integer[]${chained.arrays})
        AS i (ord, digest, in_client_id, in_dpop_jkt, in_grace, successor_digest, ttl${chained.columns})
    ), consumed AS (
      ${CONSUME[inputs[0]!.variant]}
        AND r.client_id = i.in_client_id AND (r.dpop_jkt IS NULL OR r.dpop_jkt = i.in_dpop_jkt)
        AND ${GRANT_LIVE_AND_USER_UNCHANGED}
      RETURNING i.ord, i.successor_digest, i.ttl${chained.sourceColumns},
        r.token_digest, r.grant_id, r.client_id, r.user_id, r.scope, r.dpop_jkt, r.family_expires_at, g.auth_time
    ), successor AS (
      INSERT INTO refresh_tokens (token_digest, grant_id, parent_digest, client_id, user_id, scope, dpop_jkt,
        expires_at, family_expires_at)
      SELECT successor_digest, grant_id, token_digest, client_id, user_id, scope, dpop_jkt,
             least(now() + make_interval(secs => ttl), family_expires_at), family_expires_at
      FROM consumed
      RETURNING token_digest, expires_at
    )${chained.ctes}
    SELECT c.ord, c.grant_id, c.client_id, c.user_id, c.scope, c.dpop_jkt, c.auth_time, c.family_expires_at, s.expires_at
    FROM consumed c JOIN successor s ON s.token_digest = c.successor_digest`;
  const values: unknown[] = [
    inputs.map((_, ord) => ord),
    inputs.map((i) => i.digest),
    inputs.map((i) => i.clientId),
    inputs.map((i) => i.dpopJkt),
    inputs.map((i) => i.graceSeconds),
    inputs.map((i) => i.successorDigest),
    inputs.map((i) => i.ttlSeconds),
    ...chained.params,
  ];
  return { statement: preparedStatement(text), values };
}

/** Inputs batch together when their statement text is the same: same variant, same companion shape. */
function rotationShape(input: RotationInput): string {
  return `${input.variant}|${chainedShape(input.companion ? [input.companion] : [])}`;
}

const ROTATION_BATCH_PLAN: BatchPlan<RotationInput, SuccessorRow | undefined> = {
  key: rotationShape,
  statement: rotationStatement,
  results: resultsByOrd<SuccessorRow>,
};

interface LookupRow {
  grant_id: string;
  client_id: string;
  dpop_jkt: string | null;
  consumed: boolean;
  revoked: boolean;
  family_expired: boolean;
  expired: boolean;
  in_grace: boolean | null;
  credentials_changed: boolean;
}

interface SuccessorRow {
  ord: number;
  grant_id: string;
  client_id: string;
  user_id: string | null;
  scope: string;
  dpop_jkt: string | null;
  auth_time: Date | null;
  expires_at: Date;
  family_expires_at: Date;
}

function assertSeconds(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer number of seconds`);
}
