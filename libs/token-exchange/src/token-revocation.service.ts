import type { CallerContext } from './token-request.js';
import { Injectable } from '@nestjs/common';
import { RefreshTokenService } from '@latchkey/refresh-rotation';
import { IssuedTokensService, JwtAccessTokenVerifier } from '@latchkey/tokens';
import { ClientAuthenticator } from './client-authenticator.js';
import { lookupOrder, requireToken, type TokenKind } from './presented-token.js';
import type { ClientAuthentication } from './token-request.js';

/** POST /oauth2/revoke, in no dialect's shape. */
export interface RevocationRequest {
  client: ClientAuthentication;
  token?: string;
  /** access_token | refresh_token; anything else is ignored. */
  tokenTypeHint?: string;
}

/**
 * What happened, for the log and the specs: the endpoint answers 200 whatever it is
 * (RFC 7009 §2.2), so that nobody learns whether a token exists or whose it is.
 * - revoked: the token is revoked now (or already was);
 * - foreign: the token was issued to another client and is left alone (RFC 7009 §2.1);
 * - unknown: not a token of ours, or expired (nothing left to revoke).
 */
export interface RevocationOutcome {
  kind: TokenKind | null;
  result: 'revoked' | 'foreign' | 'unknown';
}

/**
 * RFC 7009 token revocation. Any client may revoke its own tokens, public clients too
 * (they identify themselves with client_id, RFC 7009 §2.1). Revoking a refresh token
 * revokes its whole family (the grant with every refresh and access token issued from
 * it); revoking an access token revokes that token's issued-token record only.
 */
@Injectable()
export class TokenRevocationService {
  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly accessTokens: JwtAccessTokenVerifier,
    private readonly issuedTokens: IssuedTokensService,
    private readonly refreshTokens: RefreshTokenService,
  ) {}

  async revoke(request: RevocationRequest, context: CallerContext = {}): Promise<RevocationOutcome> {
    const client = await this.clients.authenticate(request.client, context);
    const token = requireToken(request.token);
    for (const kind of lookupOrder(token, request.tokenTypeHint)) {
      const outcome = kind === 'access_token' ? await this.revokeAccessToken(token, client.clientId) : await this.revokeRefreshToken(token, client.clientId);
      if (outcome) return outcome;
    }
    return { kind: null, result: 'unknown' };
  }

  /** Null when the token is not a (valid, unexpired) access token of ours. */
  private async revokeAccessToken(token: string, clientId: string): Promise<RevocationOutcome | null> {
    // Signature and claims only: a token already revoked is still recognised (and stays revoked).
    const claims = await this.accessTokens.verifyJwt(token);
    if (!claims) return null;
    if (claims.client_id !== clientId) return { kind: 'access_token', result: 'foreign' };
    await this.issuedTokens.revoke(claims.jti, { clientId });
    return { kind: 'access_token', result: 'revoked' };
  }

  /** Null when no refresh token has this value. */
  private async revokeRefreshToken(token: string, clientId: string): Promise<RevocationOutcome | null> {
    const info = await this.refreshTokens.inspect(token);
    if (!info) return null;
    if (info.clientId !== clientId) return { kind: 'refresh_token', result: 'foreign' };
    // Consumed, expired or already revoked tokens too: the family ends with it.
    await this.refreshTokens.revokeFamily(info.grantId);
    return { kind: 'refresh_token', result: 'revoked' };
  }
}
