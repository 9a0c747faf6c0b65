import { Injectable } from '@nestjs/common';
import { AuthorizationCodeService, verifyPkce, type CodeRedemption } from '@latchkey/authorization-codes';
import { transactionWithRetry } from '@latchkey/persistence';
import { RefreshTokenService } from '@latchkey/refresh-rotation';
import { DataSource } from 'typeorm';
import type { GrantContext, GrantHandler } from '../grant-handler.js';
import { OAuthError } from '../oauth-error.js';
import { issuesRefreshTokens, refreshTokenBinding, TokenIssuance, type IssuedTokens } from '../token-issuance.js';
import type { TokenResult } from '../token-result.js';
import { requireParameter } from './parameters.js';

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636) and DPoP-bound codes (RFC 9449 §10). One
 * transaction: consume the code (one UPDATE ... RETURNING), record the access token,
 * issue the refresh token; signing happens after commit. A check that fails after the
 * UPDATE rolls the transaction back, so a stolen code with a wrong verifier does not
 * burn the legitimate client's code. A replayed code revokes its grant (RFC 6749 §4.1.2).
 */
@Injectable()
export class AuthorizationCodeGrant implements GrantHandler {
  readonly grantType = 'authorization_code';

  constructor(
    private readonly dataSource: DataSource,
    private readonly codes: AuthorizationCodeService,
    private readonly refreshTokens: RefreshTokenService,
    private readonly issuance: TokenIssuance,
  ) {}

  async handle({ request, client, dpop }: GrantContext): Promise<TokenResult> {
    const code = requireParameter(request.code, 'code');

    // Tried again if Postgres aborts it for a deadlock with a concurrent revocation.
    const outcome = await transactionWithRetry(this.dataSource, async (manager): Promise<IssuedTokens | OAuthError> => {
      const redemption = await this.codes.redeem(code, manager, { clientId: client.clientId });
      if (redemption.status === 'reused') {
        await this.codes.revokeIssuedFrom(redemption.grantId, manager);
        return refused(redemption);
      }
      if (redemption.status !== 'redeemed') return refused(redemption);
      const bound = redemption.code;

      // RFC 6749 §4.1.3: redirect_uri is required when the authorization request carried
      // it; a request may omit it only where the client has a single registered URI,
      // which is then the one the code was issued for.
      const redirectUri = request.redirectUri ?? defaultRedirectUri(client.redirectUris);
      if (redirectUri === undefined) {
        throw new OAuthError('invalid_request', 'The redirect_uri parameter is required.', { field: 'redirect_uri' });
      }
      if (bound.redirectUri !== redirectUri) {
        throw new OAuthError('invalid_grant', 'The redirect_uri does not match the authorization request.', {
          reason: 'redirect_uri_mismatch',
          field: 'redirect_uri',
        });
      }
      const pkce = verifyPkce(bound, request.codeVerifier);
      if (!pkce.ok) {
        throw new OAuthError('invalid_grant', PKCE_MESSAGES[pkce.reason], { reason: 'pkce_failed', field: 'code_verifier' });
      }
      if (bound.dpopJkt && bound.dpopJkt !== dpop?.jkt) {
        throw new OAuthError('invalid_grant', 'The code is bound to another DPoP key.', { reason: 'code_invalid' });
      }

      const plan = await this.issuance.recordAccessToken(
        {
          client,
          subject: bound.userId,
          userId: bound.userId,
          grantId: bound.grantId,
          scope: bound.scope,
          dpopJkt: dpop?.jkt ?? null,
          authTime: bound.authTime,
        },
        manager,
      );
      const refresh = issuesRefreshTokens(client)
        ? await this.refreshTokens.issue(
            {
              grantId: bound.grantId,
              clientId: client.clientId,
              userId: bound.userId,
              scope: bound.scope,
              dpopJkt: refreshTokenBinding(client, dpop?.jkt),
              ttlSeconds: client.refreshTokenTtl,
              familyTtlSeconds: client.refreshFamilyTtl,
            },
            manager,
          )
        : undefined;
      return { plan, refreshToken: refresh?.token, idToken: { nonce: bound.nonce } };
    });

    if (outcome instanceof OAuthError) throw outcome;
    return this.issuance.complete(outcome);
  }
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

function refused(redemption: Exclude<CodeRedemption, { status: 'redeemed' }>): OAuthError {
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
