import { BadRequestException, Injectable } from '@nestjs/common';
import { generateOpaqueToken, SecretDigester } from '@latchkey/crypto';
import { GrantsService } from '@latchkey/grants';
import {
  chainedShape,
  chainRowInserts,
  inTransaction,
  poolOf,
  preparedStatement,
  queryPrepared,
  resultsByOrd,
  StatementBatcher,
  type BatchPlan,
  type ChainedRowInsert,
  type PreparedStatement,
} from '@latchkey/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { CodeRequestPolicy, CodeRequestRejected, type CodeRequest } from './code-request.policy.js';
import { isCodeVerifier, s256Challenge, type PkceMethod } from './pkce.js';

/** Codes live 60 s unless asked otherwise, and never more than 10 minutes (DESIGN.md §5). */
export const DEFAULT_CODE_LIFETIME_SECONDS = 60;
export const MAX_CODE_LIFETIME_SECONDS = 600;

export interface NewAuthorizationCode {
  clientId: string;
  userId: string;
  redirectUri: string;
  /** Space-separated, already checked against the client. */
  scope: string;
  codeChallenge?: string | null;
  codeChallengeMethod?: PkceMethod | null;
  nonce?: string | null;
  /** RFC 9449 §10: the DPoP key the authorization request bound the code to. */
  dpopJkt?: string | null;
  authTime?: Date | null;
  /** Seconds; default 60, at most 600. */
  expiresIn?: number;
}

export interface IssuedAuthorizationCode {
  /** The code itself: shown to the caller once, stored only as its digest. */
  code: string;
  expiresIn: number;
  expiresAt: Date;
  /** The grant created with the code: every token redeemed from it belongs to this grant. */
  grantId: string;
}

/** Everything a redeemed code was bound to, for the token endpoint's checks and tokens. */
export interface RedeemedAuthorizationCode {
  grantId: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  scope: string;
  codeChallenge: string | null;
  codeChallengeMethod: PkceMethod | null;
  nonce: string | null;
  dpopJkt: string | null;
  authTime: Date | null;
  issuedAt: Date;
  expiresAt: Date;
}

/**
 * The outcome of presenting a code. Only `redeemed` may lead to tokens; every other
 * outcome is `invalid_grant` at the token endpoint.
 * - redeemed: this call consumed the code (exactly one call ever gets this);
 * - reused: the code had already been consumed: revoke what the first redemption issued
 *   with `revokeIssuedFrom(grantId)` (RFC 6749 §4.1.2) and commit that;
 * - client_mismatch: the code belongs to another client (only when `clientId` is given);
 *   the code stays unconsumed for its own client;
 * - revoked: the grant was revoked (e.g. DELETE /admin/grants/{id}) before redemption;
 * - expired: the code outlived its lifetime unused;
 * - unproven: live and this client's, but the request failed its `proof` (the binding is
 *   returned so that the caller can say which part); the code stays unconsumed;
 * - unknown: no such code.
 */
export type CodeRedemption =
  | { status: 'redeemed'; code: RedeemedAuthorizationCode }
  | { status: 'reused'; grantId: string; clientId: string }
  | { status: 'client_mismatch' }
  | { status: 'revoked'; grantId: string }
  | { status: 'expired' }
  | { status: 'unproven'; code: RedeemedAuthorizationCode }
  | { status: 'unknown' };

/**
 * What the token request offers to prove it may redeem the code: the same redirect_uri as
 * the authorization request, the PKCE verifier of its challenge, and the DPoP key the code
 * is bound to (RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 9449 §10).
 */
export interface CodeProof {
  /** The request's redirect_uri (or the client's one registered URI); null: none. */
  redirectUri: string | null;
  codeVerifier: string | null;
  /** Thumbprint of the key of the request's verified DPoP proof; null: no proof. */
  dpopJkt: string | null;
}

export interface RedeemOptions {
  /** The authenticated client: a code of another client is neither consumed nor redeemed. */
  clientId?: string;
  /**
   * Checked inside the consuming UPDATE: a code the request cannot prove is left
   * unconsumed (a stolen code with a wrong verifier does not burn the legitimate
   * client's) and comes back as `unproven`, for the caller to say which check failed.
   */
  proof?: CodeProof;
  /** Inserts chained to the redemption, reading its row from the CTE `redeemed`; all of one shape per call site. */
  chained?: readonly ChainedRowInsert[];
}

const CODE_COLUMNS = `c.grant_id, c.client_id, c.user_id, c.redirect_uri, c.scope, c.code_challenge, c.code_challenge_method,
  c.nonce, c.dpop_jkt, c.auth_time, c.created_at, c.expires_at`;

/**
 * The proof, in SQL, from the input row: the redirect_uri, the verifier's S256 challenge,
 * a well-formed verifier as a plain challenge, whether any verifier was sent, the DPoP
 * thumbprint. It mirrors verifyPkce: a code without PKCE takes no verifier (no downgrade),
 * a code with one takes only the verifier that transforms into it by its own method.
 */
const PROVEN = `c.redirect_uri = i.in_redirect_uri
  AND CASE WHEN c.code_challenge IS NULL OR c.code_challenge_method IS NULL THEN NOT i.in_verifier_sent
           WHEN c.code_challenge_method = 'S256' THEN c.code_challenge = i.in_s256
           WHEN c.code_challenge_method = 'plain' THEN c.code_challenge = i.in_plain
           ELSE false END
  AND (c.dpop_jkt IS NULL OR c.dpop_jkt = i.in_dpop_jkt)`;

/** One presented code, with its proof and chained inserts, as a row of the redemption statement's input. */
interface RedemptionInput {
  digest: Buffer;
  clientId: string | null;
  proof: CodeProof | undefined;
  chained: readonly ChainedRowInsert[];
}

/**
 * ONE statement for any number of presented codes (one input row each, all with a proof
 * or all without, all with chained inserts of one shape): the consuming UPDATE, with the
 * proof among its conditions, and the chained inserts. A code presented twice in one batch
 * is consumed once; the other row finds it consumed, as a concurrent request would. Rows
 * come back with their input's `ord`.
 */
function redemptionStatement(inputs: readonly RedemptionInput[]): { statement: PreparedStatement; values: unknown[] } {
  const proven = inputs[0]!.proof !== undefined;
  const chained = chainRowInserts(inputs, (i) => i.chained, 'redeemed', 9);
  const text = `WITH input AS (
      SELECT * FROM unnest($1::integer[], $2::bytea[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::text[]${chained.arrays})
        AS i (ord, digest, in_client_id, in_redirect_uri, in_s256, in_plain, in_verifier_sent, in_dpop_jkt${chained.columns})
    ), redeemed AS (
      UPDATE authorization_codes c SET consumed_at = now() FROM input i, grants g
      WHERE c.code_digest = i.digest AND c.consumed_at IS NULL AND c.expires_at > now()
        AND (i.in_client_id IS NULL OR c.client_id = i.in_client_id)
        AND g.id = c.grant_id AND g.revoked_at IS NULL${proven ? ` AND ${PROVEN}` : ''}
      RETURNING i.ord${chained.sourceColumns}, ${CODE_COLUMNS}
    )${chained.ctes}
    SELECT ord, ${CODE_COLUMNS.replaceAll('c.', '')} FROM redeemed`;
  const verifiers = inputs.map((i) => (i.proof && isCodeVerifier(i.proof.codeVerifier) ? i.proof.codeVerifier : null));
  const values: unknown[] = [
    inputs.map((_, ord) => ord),
    inputs.map((i) => i.digest),
    inputs.map((i) => i.clientId),
    inputs.map((i) => i.proof?.redirectUri ?? null),
    verifiers.map((v) => v && s256Challenge(v)),
    verifiers,
    inputs.map((i) => i.proof?.codeVerifier !== null && i.proof?.codeVerifier !== undefined),
    inputs.map((i) => i.proof?.dpopJkt ?? null),
    ...chained.params,
  ];
  return { statement: preparedStatement(text), values };
}

const REDEMPTION_BATCH_PLAN: BatchPlan<RedemptionInput, CodeRow | undefined> = {
  key: (input) => `${input.proof ? 'proven' : 'bare'}|${chainedShape(input.chained)}`,
  statement: redemptionStatement,
  results: resultsByOrd<CodeRow>,
};

/**
 * Authorization codes: single use, short-lived, stored only as HMAC digests. Issuing a
 * code creates its grant (an authorization is a grant, as in node-oidc-provider), so
 * redeeming needs no insert and a replayed code revokes by grant id.
 */
@Injectable()
export class AuthorizationCodeService {
  /** Redemptions outside a transaction, committed together (group commit). */
  private readonly redemptions: StatementBatcher<RedemptionInput, CodeRow | undefined>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly digester: SecretDigester,
    private readonly grants: GrantsService,
    private readonly policy: CodeRequestPolicy,
  ) {
    this.redemptions = new StatementBatcher(() => poolOf(dataSource), REDEMPTION_BATCH_PLAN);
  }

  /**
   * Creates the grant and the code in one transaction (the caller's, when `manager` is
   * given). The request must already be checked (see `CodeRequestPolicy`).
   */
  async issue(input: NewAuthorizationCode, manager?: EntityManager): Promise<IssuedAuthorizationCode> {
    const expiresIn = input.expiresIn ?? DEFAULT_CODE_LIFETIME_SECONDS;
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_CODE_LIFETIME_SECONDS) {
      throw new BadRequestException(`expiresIn must be an integer from 1 to ${MAX_CODE_LIFETIME_SECONDS} seconds`);
    }
    const challenge = input.codeChallenge ?? null;
    const method = input.codeChallengeMethod ?? null;
    if ((challenge === null) !== (method === null)) {
      throw new BadRequestException('codeChallenge and codeChallengeMethod go together');
    }
    const code = generateOpaqueToken();
    const run = async (m: EntityManager) => {
      const grant = await this.grants.create(
        { clientId: input.clientId, userId: input.userId, scope: input.scope, authTime: input.authTime ?? null },
        m,
      );
      const [row] = await m.query(
        `INSERT INTO authorization_codes (code_digest, grant_id, client_id, user_id, redirect_uri, scope,
           code_challenge, code_challenge_method, nonce, dpop_jkt, auth_time, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now() + make_interval(secs => $12::integer))
         RETURNING expires_at`,
        [
          this.digester.digest(code),
          grant.id,
          input.clientId,
          input.userId,
          input.redirectUri,
          input.scope,
          challenge,
          method,
          input.nonce ?? null,
          input.dpopJkt ?? null,
          input.authTime ?? null,
          expiresIn,
        ],
      );
      return { code, expiresIn, expiresAt: row.expires_at as Date, grantId: grant.id };
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  /**
   * POST /admin/authorization-codes: a trusted front end authenticated the user itself.
   * Checks the request against the client and the user (CodeRequestRejected, a 400
   * naming the field), then
   * issues the code with auth_time = now.
   */
  async issueForTrustedFrontEnd(request: CodeRequest & { expiresIn?: number | null }): Promise<{ code: string; expiresIn: number }> {
    const checked = await this.policy.check(request);
    if (!checked.ok) {
      throw new CodeRequestRejected(checked.field, checked.message);
    }
    const issued = await this.issue({
      clientId: checked.client.clientId,
      userId: checked.user.id,
      redirectUri: request.redirectUri,
      scope: checked.scope,
      codeChallenge: checked.codeChallenge,
      codeChallengeMethod: checked.codeChallengeMethod,
      nonce: request.nonce ?? null,
      authTime: new Date(),
      expiresIn: request.expiresIn ?? undefined,
    });
    return { code: issued.code, expiresIn: issued.expiresIn };
  }

  /**
   * Consumes a code. The hot path is one prepared statement, `UPDATE ... SET consumed_at =
   * now() WHERE code_digest = ... AND consumed_at IS NULL AND ... RETURNING`, with the
   * request's proof among its conditions and the token records chained to it, so of any
   * number of concurrent redemptions exactly one gets `redeemed` (the others wait for its
   * row lock and then find the code consumed), and a token exchange is one round trip.
   * Outside a transaction, the redemptions of one event-loop turn share that statement
   * (group commit, StatementBatcher); each still gets its own outcome.
   * Only when nothing was consumed does a second statement look the code up to say why.
   * Inside a transaction (READ COMMITTED, the default) a rollback un-consumes the code.
   */
  async redeem(code: string, manager: EntityManager = this.dataSource.manager, options: RedeemOptions = {}): Promise<CodeRedemption> {
    if (typeof code !== 'string' || code.length === 0 || code.length > 512) return { status: 'unknown' };
    const digest = this.digester.digest(code);
    const { proof } = options;
    const input: RedemptionInput = { digest, clientId: options.clientId ?? null, proof, chained: options.chained ?? [] };
    let row: CodeRow | undefined;
    if (!inTransaction(manager)) {
      row = await this.redemptions.run(input);
    } else {
      const { statement, values } = redemptionStatement([input]);
      [row] = await queryPrepared<CodeRow>(manager, statement, values);
    }
    if (row) return { status: 'redeemed', code: toRedeemed(row) };


    const [found]: LookupRow[] = await manager.query(
      `SELECT ${CODE_COLUMNS}, c.consumed_at IS NOT NULL AS consumed, c.expires_at <= now() AS expired,
              g.revoked_at IS NOT NULL AS grant_revoked
       FROM authorization_codes c JOIN grants g ON g.id = c.grant_id
       WHERE c.code_digest = $1`,
      [digest],
    );
    if (!found) return { status: 'unknown' };
    if (options.clientId !== undefined && found.client_id !== options.clientId) return { status: 'client_mismatch' };
    // A replay is reported even after expiry: RFC 6749 §4.1.2 asks to revoke in any case.
    if (found.consumed) return { status: 'reused', grantId: found.grant_id, clientId: found.client_id };
    if (found.grant_revoked) return { status: 'revoked', grantId: found.grant_id };
    if (found.expired) return { status: 'expired' };
    if (proof) return { status: 'unproven', code: toRedeemed(found) };
    // Unreachable in practice (a live, unconsumed code of this client that the UPDATE did
    // not match); refused all the same.
    return { status: 'unknown' };
  }

  /**
   * A replayed code: revokes its grant with every refresh and access token issued from
   * it (one statement, through GrantsService). Run it in a transaction that commits:
   * answering invalid_grant by throwing inside the same transaction would undo it.
   */
  async revokeIssuedFrom(grantId: string, manager?: EntityManager): Promise<boolean> {
    return this.grants.revoke(grantId, manager);
  }
}

interface CodeRow {
  ord: number;
  grant_id: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  scope: string;
  code_challenge: string | null;
  code_challenge_method: PkceMethod | null;
  nonce: string | null;
  dpop_jkt: string | null;
  auth_time: Date | null;
  created_at: Date;
  expires_at: Date;
}

interface LookupRow extends CodeRow {
  consumed: boolean;
  expired: boolean;
  grant_revoked: boolean;
}

function toRedeemed(row: CodeRow): RedeemedAuthorizationCode {
  return {
    grantId: row.grant_id,
    clientId: row.client_id,
    userId: row.user_id,
    redirectUri: row.redirect_uri,
    scope: row.scope,
    codeChallenge: row.code_challenge,
    codeChallengeMethod: row.code_challenge_method,
    nonce: row.nonce,
    dpopJkt: row.dpop_jkt,
    authTime: row.auth_time,
    issuedAt: row.created_at,
    expiresAt: row.expires_at,
  };
}
