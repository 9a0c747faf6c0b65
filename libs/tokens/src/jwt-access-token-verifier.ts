import { Injectable } from '@nestjs/common';
import { LatchkeyEnvironment, resolveIssuer } from '@latchkey/config';
import { errors, jwtVerify, type CryptoKey, type JWTHeaderParameters } from 'jose';
import { AccessTokenVerifier, type VerifiedAccessToken } from './access-token-verifier.js';
import { IssuedTokensService, type IssuedTokenStatus } from './issued-tokens.service.js';
import { SIGNING_ALGORITHMS, SigningKeysService } from './signing-keys.service.js';
import type { AccessTokenClaims } from './token-signer.service.js';

/** Longer than any token this server signs; anything bigger is refused unparsed. */
const MAX_TOKEN_LENGTH = 8192;

export interface AccessTokenCheckOptions {
  /** Require this `aud` (any of them). Unset: any audience. */
  audience?: string | string[];
  /** For NumericDate checks; defaults to now. */
  currentDate?: Date;
}

/** A token whose signature and claims hold and whose record is live. */
export interface ActiveAccessToken {
  claims: AccessTokenClaims;
  record: IssuedTokenStatus;
}

/**
 * Verifies the RFC 9068 access tokens this server signs: the signature with the published
 * key named by `kid` (in that key's own algorithm), `typ` at+jwt, `iss`, `exp`, the
 * required claims; then that its issued-token record exists and is live (not revoked, its
 * grant not revoked, its client not disabled or deleted).
 */
@Injectable()
export class JwtAccessTokenVerifier extends AccessTokenVerifier {
  private readonly issuer: string;

  constructor(
    env: LatchkeyEnvironment,
    private readonly keys: SigningKeysService,
    private readonly issuedTokens: IssuedTokensService,
  ) {
    super();
    this.issuer = resolveIssuer(env);
  }

  /**
   * A bearer presentation (the admin API). A DPoP-bound token (cnf.jkt) is refused here: it
   * is only good with a proof of its key (RFC 9449 §7.1), which callers check via `inspect`.
   */
  async verify(token: string): Promise<VerifiedAccessToken | null> {
    const active = await this.inspect(token);
    if (!active || active.claims.cnf) return null;
    return {
      tokenId: active.claims.jti,
      clientId: active.claims.client_id,
      subject: active.claims.sub,
      scopes: active.record.scope ? active.record.scope.split(' ') : [],
      expiresAt: new Date(active.claims.exp * 1000),
    };
  }

  /**
   * The claims and the issued-token record of a token that is valid now, or null. For
   * introspection (RFC 7662) and for resource endpoints that also check a DPoP proof.
   */
  async inspect(token: string, options: AccessTokenCheckOptions = {}): Promise<ActiveAccessToken | null> {
    const claims = await this.verifyJwt(token, options);
    if (!claims) return null;
    const record = await this.issuedTokens.status(claims.jti);
    if (!record || record.kind !== 'access_token' || !record.active || record.clientId !== claims.client_id) return null;
    return { claims, record };
  }

  /**
   * Signature, header and claims only, without the database (but for reloading the keys
   * when the kid is unknown). Null for anything that is not a valid access token of ours.
   */
  async verifyJwt(token: string, options: AccessTokenCheckOptions = {}): Promise<AccessTokenClaims | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    try {
      const { payload } = await jwtVerify(token, (header: JWTHeaderParameters) => this.keyFor(header), {
        issuer: this.issuer,
        typ: 'at+jwt',
        algorithms: [...SIGNING_ALGORITHMS],
        requiredClaims: ['sub', 'aud', 'client_id', 'jti', 'iat', 'exp'],
        ...(options.audience ? { audience: options.audience } : {}),
        ...(options.currentDate ? { currentDate: options.currentDate } : {}),
      });
      return isAccessTokenClaims(payload) ? payload : null;
    } catch (error) {
      if (error instanceof errors.JOSEError) return null;
      throw error;
    }
  }

  private async keyFor(header: JWTHeaderParameters): Promise<CryptoKey> {
    const key = header.kid ? await this.keys.verificationKey(header.kid) : undefined;
    if (!key || key.alg !== header.alg) throw new errors.JWKSNoMatchingKey();
    return key.publicKey;
  }
}

function isAccessTokenClaims(payload: Record<string, unknown>): payload is AccessTokenClaims & Record<string, unknown> {
  const str = (v: unknown) => typeof v === 'string' && v.length > 0;
  const cnf = payload.cnf as { jkt?: unknown } | undefined;
  return (
    str(payload.sub) &&
    str(payload.client_id) &&
    str(payload.jti) &&
    (payload.scope === undefined || typeof payload.scope === 'string') &&
    (cnf === undefined || (typeof cnf === 'object' && cnf !== null && str(cnf.jkt)))
  );
}
