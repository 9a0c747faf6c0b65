import { Injectable } from '@nestjs/common';
import {
  AuthorizationCodeService,
  verifyPkce,
  type CodeRedemption,
  type RedeemedAuthorizationCode,
} from '@latchkey/authorization-codes';
import { retryOnConflict } from '@latchkey/persistence';
import { RefreshTokenService } from '@latchkey/refresh-rotation';
import type { GrantContext, GrantHandler } from '../grant-handler.js';
import { OAuthError } from '../oauth-error.js';
import { issuesRefreshTokens, refreshTokenBinding, TokenIssuance } from '../token-issuance.js';
import type { TokenResult } from '../token-result.js';
import { requireParameter } from './parameters.js';

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636) and DPoP-bound codes (RFC 9449 §10). The usual
 * exchange is ONE SQL statement and one round trip: the code's consuming UPDATE, which
 * also checks redirect_uri, the PKCE verifier and the DPoP key, with the access-token
 * record and the first refresh token chained to it; signing follows. A request that fails
 * a check consumes nothing, so a stolen code with a wrong verifier does not burn the
 * legitimate client's code; a lookup then says which check failed. A replayed code
 * revokes its grant (RFC 6749 §4.1.2).
 */
@Injectable()
export class AuthorizationCodeGrant implements GrantHandler {
  readonly grantType = 'authorization_code';

  constructor(
    private readonly codes: AuthorizationCodeService,
    private readonly refreshTokens: RefreshTokenService,
    private readonly issuance: TokenIssuance,
  ) {}

  async handle({ request, client, dpop }: GrantContext): Promise<TokenResult> {
    const code = requireParameter(request.code, 'code');
    const dpopJkt = dpop?.jkt ?? null;
    // RFC 6749 §4.1.3: redirect_uri is required when the authorization request carried
    // it; a request may omit it only where the client has a single registered URI, which
    // is then the one the code was issued for.
    const redirectUri = request.redirectUri ?? defaultRedirectUri(client.redirectUris) ?? null;
    const draft = this.issuance.draftAccessToken(client, dpopJkt);
    const refresh = issuesRefreshTokens(client)
      ? this.refreshTokens.firstOfFamilyFrom({
          dpopJkt: refreshTokenBinding(client, dpop?.jkt),
          ttlSeconds: client.refreshTokenTtl,
          familyTtlSeconds: client.refreshFamilyTtl,
        })
      : undefined;

    // Autocommit: the statement is its own transaction; tried again after a deadlock.
    const redemption = await retryOnConflict(() =>
      this.codes.redeem(code, undefined, {
        clientId: client.clientId,
        proof: { redirectUri, codeVerifier: request.codeVerifier ?? null, dpopJkt },
        chained: [this.issuance.recordDraftFrom(draft), ...(refresh ? [refresh.insert] : [])],
      }),
    );
    if (redemption.status === 'reused') {
      await this.codes.revokeIssuedFrom(redemption.grantId);
      throw refused(redemption);
    }
    if (redemption.status === 'unproven') throw unproven(redemption.code, redirectUri, request.codeVerifier, dpopJkt);
    if (redemption.status !== 'redeemed') throw refused(redemption);

    const bound = redemption.code;
    const plan = this.issuance.planFromDraft(draft, {
      subject: bound.userId,
      userId: bound.userId,
      grantId: bound.grantId,
      scope: bound.scope,
      authTime: bound.authTime,
    });
    return this.issuance.complete({ plan, refreshToken: refresh?.token, idToken: { nonce: bound.nonce } });
  }
}

/** Which part of the proof failed, checked in the order a client would fix them. */
function unproven(
  bound: RedeemedAuthorizationCode,
  redirectUri: string | null,
  codeVerifier: string | undefined,
  dpopJkt: string | null,
): OAuthError {
  if (redirectUri === null) {
    return new OAuthError('invalid_request', 'The redirect_uri parameter is required.', { field: 'redirect_uri' });
  }
  if (bound.redirectUri !== redirectUri) {
    return new OAuthError('invalid_grant', 'The redirect_uri does not match the authorization request.', {
      reason: 'redirect_uri_mismatch',
      field: 'redirect_uri',
    });
  }
  const pkce = verifyPkce(bound, codeVerifier);
  if (!pkce.ok) return new OAuthError('invalid_grant', PKCE_MESSAGES[pkce.reason], { reason: 'pkce_failed', field: 'code_verifier' });
  if (bound.dpopJkt && bound.dpopJkt !== dpopJkt) {
    return new OAuthError('invalid_grant', 'The code is bound to another DPoP key.', { reason: 'code_invalid' });
  }
  // The statement and these checks disagree: refuse all the same.
  return new OAuthError('invalid_grant', 'The authorization code is invalid.', { reason: 'code_invalid' });
}

function defaultRedirectUri(registered: readonly string[]): string | undefined {
  return registered.length === 1 ? registered[0] : undefined;
}

const PKCE_MESSAGES = {
  missing_verifier: 'code_verifier is required for this code.',
  unexpected_verifier: 'code_verifier was sent for a code issued without PKCE.',
  malformed_verifier: 'code_verifier must be 43 to 128 unreserved characters.',
  mismatch: 'code_verifier does not match the code challenge.',
} as const;

function refused(redemption: Exclude<CodeRedemption, { status: 'redeemed' | 'unproven' }>): OAuthError {
  switch (redemption.status) {
    case 'reused':
      return new OAuthError('invalid_grant', 'The authorization code has already been used.', { reason: 'code_reused' });
    case 'expired':
      return new OAuthError('invalid_grant', 'The authorization code has expired.', { reason: 'code_expired' });
    case 'revoked':
      return new OAuthError('invalid_grant', 'The authorization has been revoked.', { reason: 'code_invalid' });
    case 'client_mismatch':
      return new OAuthError('invalid_grant', 'The authorization code was issued to another client.', { reason: 'client_mismatch' });
    case 'unknown':
      return new OAuthError('invalid_grant', 'The authorization code is invalid.', { reason: 'code_invalid' });
  }
}
