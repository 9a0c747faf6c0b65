import { Injectable } from '@nestjs/common';
import { retryOnConflict, transactionWithRetry } from '@latchkey/persistence';
import { RefreshTokenService, type RefreshRotation } from '@latchkey/refresh-rotation';
import { DataSource } from 'typeorm';
import type { GrantContext, GrantHandler } from '../grant-handler.js';
import { OAuthError } from '../oauth-error.js';
import { idTokenOnRefresh, TokenIssuance, type IssuedTokens } from '../token-issuance.js';
import type { TokenResult } from '../token-result.js';
import { narrowScope, requireParameter } from './parameters.js';

/**
 * RFC 6749 §6 with rotation and reuse detection (DESIGN.md §5, §6).
 *
 * The usual request (no `scope` parameter) is ONE SQL statement and one round trip: the
 * rotation's UPDATE, its successor's INSERT and the access token's record are chained
 * data-modifying CTEs, atomic without BEGIN/COMMIT; signing follows. A request that
 * narrows the scope needs the granted scope first, so it runs the same steps in a
 * transaction. Either way a reused token has its family revoked before the error is raised
 * (the revocation commits).
 */
@Injectable()
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = 'refresh_token';

  constructor(
    private readonly dataSource: DataSource,
    private readonly refreshTokens: RefreshTokenService,
    private readonly issuance: TokenIssuance,
  ) {}

  async handle({ request, client, dpop }: GrantContext): Promise<TokenResult> {
    const token = requireParameter(request.refreshToken, 'refresh_token');
    if (request.scope === undefined) return this.rotateInOneStatement(token, client, dpop?.jkt ?? null);

    // Tried again if Postgres aborts it for a deadlock with a concurrent revocation.
    const outcome = await transactionWithRetry(this.dataSource, async (manager): Promise<IssuedTokens | OAuthError> => {
      const rotation = await this.refreshTokens.rotate(
        token,
        rotateOptions(client, dpop?.jkt ?? null),
        manager,
      );
      if (rotation.status !== 'rotated') return refused(rotation);
      const { refresh } = rotation;
      // RFC 6749 §6: a narrower scope may be asked for this access token.
      const scope = narrowScope(request.scope, refresh.scope);
      const plan = await this.issuance.recordAccessToken(
        {
          client,
          subject: refresh.userId ?? client.clientId,
          userId: refresh.userId,
          grantId: refresh.grantId,
          scope,
          dpopJkt: dpop?.jkt ?? null,
          authTime: refresh.authTime,
        },
        manager,
      );
      return { plan, refreshToken: refresh.token, idToken: idTokenOnRefresh(client) ? {} : undefined };
    });

    if (outcome instanceof OAuthError) throw outcome;
    return this.issuance.complete(outcome);
  }

  private async rotateInOneStatement(token: string, client: GrantContext['client'], dpopJkt: string | null): Promise<TokenResult> {
    const draft = this.issuance.draftAccessToken(client, dpopJkt);
    // Autocommit: each statement is its own transaction; tried again after a deadlock.
    const rotation = await retryOnConflict(() =>
      this.refreshTokens.rotate(token, rotateOptions(client, dpopJkt), this.dataSource.manager, this.issuance.recordDraftFrom(draft)),
    );
    if (rotation.status !== 'rotated') throw refused(rotation);
    const { refresh } = rotation;
    const plan = this.issuance.planFromDraft(draft, {
      subject: refresh.userId ?? client.clientId,
      userId: refresh.userId,
      grantId: refresh.grantId,
      scope: refresh.scope,
      authTime: refresh.authTime,
    });
    return this.issuance.complete({ plan, refreshToken: refresh.token, idToken: idTokenOnRefresh(client) ? {} : undefined });
  }
}

function rotateOptions(client: GrantContext['client'], dpopJkt: string | null) {
  return { clientId: client.clientId, ttlSeconds: client.refreshTokenTtl, graceSeconds: client.refreshGraceSeconds, dpopJkt };
}

function refused(rotation: Exclude<RefreshRotation, { status: 'rotated' }>): OAuthError {
  switch (rotation.status) {
    case 'reused':
      return new OAuthError('invalid_grant', 'The refresh token has already been used; its authorization is revoked.', {
        reason: 'token_reused',
      });
    case 'expired':
    case 'family_expired':
      return new OAuthError('invalid_grant', 'The refresh token has expired.', { reason: 'token_expired' });
    case 'revoked':
      return new OAuthError('invalid_grant', 'The refresh token has been revoked.', { reason: 'token_revoked' });
    case 'client_mismatch':
      return new OAuthError('invalid_grant', 'The refresh token was issued to another client.', { reason: 'client_mismatch' });
    case 'credentials_changed':
      return new OAuthError('invalid_grant', 'The user is disabled or has changed their password since this authorization; sign in again.', {
        reason: 'credentials_changed',
      });
    case 'dpop_mismatch':
      return new OAuthError('invalid_grant', 'The refresh token is bound to a DPoP key; send a proof of that key.', {
        reason: 'token_invalid',
      });
    case 'unknown':
      return new OAuthError('invalid_grant', 'The refresh token is invalid.', { reason: 'token_invalid' });
  }
}
