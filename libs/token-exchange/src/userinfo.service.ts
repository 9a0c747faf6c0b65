import { Injectable } from '@nestjs/common';
import { LatchkeyEnvironment, resolveIssuer } from '@latchkey/config';
import { isSigv4Authorization } from '@latchkey/aws-signature';
import { JwtAccessTokenVerifier, Sigv4RequestVerifier, type ActiveAccessToken, type IssuedTokenStatus } from '@latchkey/tokens';
import { UsersService } from '@latchkey/users';
import { DpopProofVerifier } from './dpop/dpop-proof.verifier.js';
import { OAuthError } from './oauth-error.js';
import { hasScope } from './token-issuance.js';

/** GET or POST /oauth2/userinfo as received. */
export interface UserinfoRequest {
  /** The Authorization header: `Bearer <token>` or `DPoP <token>`. */
  authorization?: string;
  /** The DPoP header(s) (RFC 9449 §7.1), required with the DPoP scheme. */
  dpop?: string | string[];
  /** RFC 6750 §2.2: `access_token` in a form body (POST only). */
  bodyToken?: string;
  method: 'GET' | 'POST';
  /** The URLs this endpoint may be known by, for the proof's htu. */
  urls: string[];
  /** The request target as received (raw path and query) and all headers: for SigV4 signatures. */
  target?: string;
  headers?: Record<string, string | string[] | undefined>;
}

/** OpenID Connect Core §5.3.2: `sub`, plus `name` with scope profile and `email` with scope email. */
export interface UserinfoClaims {
  sub: string;
  name?: string;
  email?: string;
}

interface PresentedAccessToken {
  token: string;
  scheme: 'Bearer' | 'DPoP';
}

/**
 * The OpenID Connect UserInfo endpoint (Core §5.3) as a protected resource of this server:
 * the access token comes in the Authorization header (Bearer, RFC 6750 §2.1, or DPoP,
 * RFC 9449 §7.1) or in a form body (RFC 6750 §2.2), never both. It must be an active
 * access token of this issuer (aud) carrying scope openid and issued for a user.
 *
 * DPoP (RFC 9449 §7): a DPoP-bound token (cnf.jkt) is accepted only with the DPoP scheme
 * and a valid proof (htm, htu, ath = hash of the token) signed by the bound key; it is
 * refused as a bearer token, in the header or in the body. A token that is not bound is
 * refused with the DPoP scheme (nothing would tie the proof to it).
 *
 * client_credentials tokens describe no user: they get 403 insufficient_scope (the token
 * is valid, but not for this resource), like a token without scope openid.
 */
@Injectable()
export class UserinfoService {
  private readonly issuer: string;

  constructor(
    env: LatchkeyEnvironment,
    private readonly accessTokens: JwtAccessTokenVerifier,
    private readonly dpop: DpopProofVerifier,
    private readonly users: UsersService,
    private readonly sigv4: Sigv4RequestVerifier,
  ) {
    this.issuer = resolveIssuer(env);
  }

  async userinfo(request: UserinfoRequest): Promise<UserinfoClaims> {
    if (isSigv4Authorization(request.authorization)) return this.claims(await this.sigv4Credentials(request));
    const presented = presentedToken(request);
    const active = await this.accessTokens.inspect(presented.token, { audience: this.issuer });
    if (!active) throw new OAuthError('invalid_token', 'The access token is invalid, expired or revoked.');
    await this.checkSenderConstraint(presented, active, request);
    return this.claims(active.record);
  }

  /**
   * SigV4 credentials issued by this server (aws-signin): `Authorization: AWS4-HMAC-SHA256
   * Credential=<access key id>/<date>/<any region>/<any service>/aws4_request, ...` with
   * X-Amz-Date and X-Amz-Security-Token, verified by Sigv4RequestVerifier. No other way of
   * sending a token may come with it.
   */
  private async sigv4Credentials(request: UserinfoRequest): Promise<IssuedTokenStatus> {
    if (request.bodyToken !== undefined) {
      throw new OAuthError('invalid_request', 'Send the access token one way only: in the Authorization header or in the body.');
    }
    const verification = await this.sigv4.verify({ method: request.method, url: request.target ?? '/', headers: request.headers ?? {} });
    if (!verification.ok) {
      throw new OAuthError('invalid_token', 'The request signature or the credentials are invalid, expired or revoked.', { debug: `sigv4: ${verification.reason}` });
    }
    return verification.record;
  }

  private async claims(record: IssuedTokenStatus): Promise<UserinfoClaims> {
    if (!record.userId) {
      throw new OAuthError('insufficient_scope', 'The access token was issued to a client acting for itself; there is no user to describe.');
    }
    if (!hasScope(record.scope, 'openid')) throw new OAuthError('insufficient_scope', 'The access token lacks the openid scope.');
    const user = await this.users.findById(record.userId);
    if (!user || user.disabled) throw new OAuthError('invalid_token', 'The access token is invalid, expired or revoked.', { debug: `user ${record.userId} gone or disabled` });

    return {
      sub: user.id,
      ...(hasScope(record.scope, 'profile') && user.name ? { name: user.name } : {}),
      ...(hasScope(record.scope, 'email') && user.email ? { email: user.email } : {}),
    };
  }

  /** RFC 9449 §7.1 and §7.2. */
  private async checkSenderConstraint(presented: PresentedAccessToken, { claims }: ActiveAccessToken, request: UserinfoRequest) {
    const boundTo = claims.cnf?.jkt;
    if (presented.scheme === 'Bearer') {
      if (boundTo) throw new OAuthError('invalid_token', 'The access token is DPoP-bound: present it with the DPoP scheme and a DPoP proof.');
      return;
    }
    if (!boundTo) throw new OAuthError('invalid_token', 'The access token is not DPoP-bound: present it with the Bearer scheme.');
    if (request.dpop === undefined) throw dpopProofError('a DPoP proof is required with the DPoP scheme');
    let proof;
    try {
      proof = await this.dpop.verify({ proof: request.dpop, method: request.method, urls: request.urls, accessToken: presented.token });
    } catch (error) {
      // At a protected resource an invalid proof is a 401 with a DPoP challenge (RFC 9449 §7.1).
      throw error instanceof OAuthError && error.code === 'invalid_dpop_proof' ? error.with({ status: 401 }) : error;
    }
    if (proof?.jkt !== boundTo) throw new OAuthError('invalid_token', 'The DPoP proof is not signed with the key the access token is bound to.');
  }
}

/** RFC 6750 §2: exactly one way of sending the token. */
function presentedToken(request: UserinfoRequest): PresentedAccessToken {
  const header = parseAuthorization(request.authorization);
  if (header && request.bodyToken !== undefined) {
    throw new OAuthError('invalid_request', 'Send the access token one way only: in the Authorization header or in the body.');
  }
  if (header) return header;
  if (request.bodyToken !== undefined) {
    if (request.method !== 'POST') throw new OAuthError('invalid_request', 'An access token in the body is accepted with POST only.');
    return { token: request.bodyToken, scheme: 'Bearer' };
  }
  throw new OAuthError('invalid_token', 'An access token is required: Authorization: Bearer (or DPoP) <token>.');
}

/** `Bearer <token>` or `DPoP <token>` (schemes are case-insensitive); undefined for no header or another scheme. */
function parseAuthorization(header: string | undefined): PresentedAccessToken | undefined {
  const match = /^(Bearer|DPoP)[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$/i.exec(header ?? '');
  if (!match) {
    if (header && /^(Bearer|DPoP)\b/i.test(header)) throw new OAuthError('invalid_token', 'The Authorization header is malformed.');
    return undefined;
  }
  return { token: match[2]!, scheme: match[1]!.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer' };
}

function dpopProofError(description: string): OAuthError {
  return new OAuthError('invalid_dpop_proof', `Invalid DPoP proof: ${description}.`, { status: 401 });
}
