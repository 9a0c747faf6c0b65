import { Injectable } from '@nestjs/common';
import { LatchkeyEnvironment, resolveIssuer } from '@latchkey/config';
import { createHash } from 'node:crypto';
import { generateOpaqueToken } from '@latchkey/crypto';
import { signCompactJws } from './compact-jws.js';
import { SigningKeysService } from './signing-keys.service.js';
import { boundedLifetime, DEFAULT_ID_TOKEN_LIFETIME_SECONDS } from './token-lifetimes.js';

/** What the token endpoint knows when it issues an access token. */
export interface AccessTokenInput {
  clientId: string;
  /** The user id, or the client id for client_credentials. */
  subject: string;
  /** The user, for the issued-token record (null for client_credentials). */
  userId?: string | null;
  /** The grant the token belongs to (null for client_credentials). */
  grantId?: string | null;
  /** Space-separated, or a list. */
  scope?: string | string[];
  /** Seconds; clamped to MAX_TOKEN_LIFETIME_SECONDS. */
  expiresIn: number;
  /** The resource server(s) the token is for; defaults to the issuer (this server's own APIs). */
  audience?: string | string[];
  /** RFC 9449: the JWK SHA-256 thumbprint of the DPoP key the token is bound to (cnf.jkt). */
  dpopJkt?: string | null;
  /** When the user authenticated (auth_time), if known. */
  authTime?: Date | null;
  /** Defaults to now. */
  issuedAt?: Date;
  /** Defaults to a random 128-bit value. */
  jti?: string;
}

/**
 * Everything about an access token but the signature: what the issued-token record stores
 * (inside the token endpoint's transaction) and what `signAccessToken` signs (after commit).
 */
export interface AccessTokenPlan {
  jti: string;
  clientId: string;
  subject: string;
  userId: string | null;
  grantId: string | null;
  /** Space-separated ('' when none). */
  scope: string;
  audience: string | string[];
  dpopJkt: string | null;
  authTime: Date | null;
  issuedAt: Date;
  expiresAt: Date;
  /** The lifetime actually used, in seconds (what `expires_in` should say). */
  expiresIn: number;
}

export interface SignedAccessToken {
  token: string;
  jti: string;
  kid: string;
  expiresAt: Date;
  expiresIn: number;
}

/** RFC 9068 §2.2 claims of the access tokens this server signs. */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  client_id: string;
  scope?: string;
  jti: string;
  iat: number;
  exp: number;
  auth_time?: number;
  cnf?: { jkt: string };
}

export interface IdTokenInput {
  clientId: string;
  /** The user id. */
  subject: string;
  /** Granted scope: `profile` adds `name`, `email` adds `email`. */
  scope?: string | string[];
  /** Seconds; default DEFAULT_ID_TOKEN_LIFETIME_SECONDS, clamped to MAX_TOKEN_LIFETIME_SECONDS. */
  expiresIn?: number;
  authTime?: Date | null;
  nonce?: string | null;
  /** The access token issued alongside, for at_hash. */
  accessToken?: string;
  user?: { name?: string | null; email?: string | null };
  issuedAt?: Date;
}

/**
 * Signs JWTs with the active key, from the in-process key ring: no database access (the
 * issued-token record is written separately, by IssuedTokensService, inside the caller's
 * transaction), and one synchronous node:crypto signature each (see compact-jws.ts).
 *
 * Audience: an access token's `aud` is the issuer unless the caller names resource servers
 * (e.g. from RFC 8707 `resource`): this server's own APIs (admin, userinfo) are its first
 * resource server, and a JWT must carry an `aud` (RFC 9068 §2.2).
 */
@Injectable()
export class TokenSigner {
  readonly issuer: string;

  constructor(
    env: LatchkeyEnvironment,
    private readonly keys: SigningKeysService,
  ) {
    this.issuer = resolveIssuer(env);
  }

  /** Fills in the jti, times and defaults; pure (no I/O). */
  planAccessToken(input: AccessTokenInput): AccessTokenPlan {
    const expiresIn = boundedLifetime(input.expiresIn);
    const iat = Math.floor((input.issuedAt ?? new Date()).getTime() / 1000);
    return {
      jti: input.jti ?? newTokenId(),
      clientId: input.clientId,
      subject: input.subject,
      userId: input.userId ?? null,
      grantId: input.grantId ?? null,
      scope: scopeString(input.scope),
      audience: input.audience ?? this.issuer,
      dpopJkt: input.dpopJkt ?? null,
      authTime: input.authTime ?? null,
      issuedAt: new Date(iat * 1000),
      expiresAt: new Date((iat + expiresIn) * 1000),
      expiresIn,
    };
  }

  /** The RFC 9068 claims of a planned token. */
  accessTokenClaims(plan: AccessTokenPlan): AccessTokenClaims {
    return {
      iss: this.issuer,
      sub: plan.subject,
      aud: plan.audience,
      client_id: plan.clientId,
      ...(plan.scope ? { scope: plan.scope } : {}),
      jti: plan.jti,
      iat: seconds(plan.issuedAt),
      exp: seconds(plan.expiresAt),
      ...(plan.authTime ? { auth_time: seconds(plan.authTime) } : {}),
      ...(plan.dpopJkt ? { cnf: { jkt: plan.dpopJkt } } : {}),
    };
  }

  /** Signs a planned access token (typ at+jwt) with the active key. */
  async signAccessToken(plan: AccessTokenPlan): Promise<SignedAccessToken> {
    const key = await this.keys.activeKey();
    const token = signCompactJws({ alg: key.alg, kid: key.kid, typ: 'at+jwt' }, this.accessTokenClaims(plan), key.signingKey);
    return { token, jti: plan.jti, kid: key.kid, expiresAt: plan.expiresAt, expiresIn: plan.expiresIn };
  }

  /** An OpenID Connect ID token (typ JWT) for the client, signed with the active key. */
  async signIdToken(input: IdTokenInput): Promise<string> {
    const key = await this.keys.activeKey();
    const iat = Math.floor((input.issuedAt ?? new Date()).getTime() / 1000);
    const scopes = new Set(scopeString(input.scope).split(' '));
    const claims: Record<string, unknown> = {
      iss: this.issuer,
      sub: input.subject,
      aud: input.clientId,
      iat,
      exp: iat + boundedLifetime(input.expiresIn ?? DEFAULT_ID_TOKEN_LIFETIME_SECONDS),
    };
    if (input.authTime) claims.auth_time = seconds(input.authTime);
    if (input.nonce) claims.nonce = input.nonce;
    if (input.accessToken) claims.at_hash = accessTokenHash(input.accessToken);
    if (scopes.has('profile') && input.user?.name) claims.name = input.user.name;
    if (scopes.has('email') && input.user?.email) claims.email = input.user.email;
    return signCompactJws({ alg: key.alg, kid: key.kid, typ: 'JWT' }, claims, key.signingKey);
  }
}

/** A random, URL-safe token id (128 bits). */
export function newTokenId(): string {
  return generateOpaqueToken(16);
}

/**
 * OIDC Core §3.1.3.6 at_hash: the left half of the hash of the access token's ASCII octets,
 * base64url. Both algorithms used here (ES256, RS256) hash with SHA-256.
 */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest().subarray(0, 16).toString('base64url');
}

export function scopeString(scope: string | string[] | undefined): string {
  const list = Array.isArray(scope) ? scope : (scope ?? '').split(' ');
  return list.filter((s) => s.length > 0).join(' ');
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
