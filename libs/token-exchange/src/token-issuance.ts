import { Injectable } from '@nestjs/common';
import type { ClientEntity } from '@latchkey/persistence';
import { IssuedTokensService, TokenSigner, type AccessTokenPlan } from '@latchkey/tokens';
import { UsersService } from '@latchkey/users';
import type { EntityManager } from 'typeorm';
import type { TokenResult } from './token-result.js';

export interface AccessTokenSpec {
  client: ClientEntity;
  subject: string;
  userId: string | null;
  grantId: string | null;
  scope: string;
  dpopJkt: string | null;
  authTime?: Date | null;
}

export interface IssuedTokens {
  plan: AccessTokenPlan;
  refreshToken?: string;
  /** Present when an ID token is due (scope openid and a user). */
  idToken?: { nonce?: string | null };
}

/**
 * The part every grant shares: plan and record the access token inside the handler's
 * transaction, then, after commit, sign it (and the ID token) without touching the
 * database except for the user's name and email.
 */
@Injectable()
export class TokenIssuance {
  constructor(
    private readonly signer: TokenSigner,
    private readonly issued: IssuedTokensService,
    private readonly users: UsersService,
  ) {}

  async recordAccessToken(spec: AccessTokenSpec, manager: EntityManager): Promise<AccessTokenPlan> {
    const plan = this.signer.planAccessToken({
      clientId: spec.client.clientId,
      subject: spec.subject,
      userId: spec.userId,
      grantId: spec.grantId,
      scope: spec.scope,
      expiresIn: spec.client.accessTokenTtl,
      dpopJkt: spec.dpopJkt,
      authTime: spec.authTime,
    });
    await this.issued.recordAccessToken(plan, manager);
    return plan;
  }

  async complete(tokens: IssuedTokens): Promise<TokenResult> {
    const { plan } = tokens;
    const [access, user] = await Promise.all([
      this.signer.signAccessToken(plan),
      plan.userId ? this.users.findById(plan.userId) : Promise.resolve(null),
    ]);
    const idToken =
      tokens.idToken && plan.userId && hasScope(plan.scope, 'openid')
        ? await this.signer.signIdToken({
            clientId: plan.clientId,
            subject: plan.userId,
            scope: plan.scope,
            authTime: plan.authTime,
            nonce: tokens.idToken.nonce,
            accessToken: access.token,
            user: user ?? undefined,
          })
        : undefined;
    return {
      accessToken: access.token,
      tokenType: plan.dpopJkt ? 'DPoP' : 'Bearer',
      expiresIn: access.expiresIn,
      scope: plan.scope,
      ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
      ...(idToken ? { idToken } : {}),
      clientId: plan.clientId,
      grantId: plan.grantId,
      ...(user ? { user: { id: user.id, name: user.name, email: user.email } } : {}),
    };
  }
}

export function hasScope(scope: string, wanted: string): boolean {
  return scope.split(' ').includes(wanted);
}

/** A refresh token is issued when the client is configured for it and may use the grant. */
export function issuesRefreshTokens(client: ClientEntity): boolean {
  return client.issueRefreshToken && client.grantTypes.includes('refresh_token');
}

/** RFC 9449 §5: refresh tokens are bound to the DPoP key only for public clients. */
export function refreshTokenBinding(client: ClientEntity, jkt: string | undefined): string | null {
  return client.type === 'public' && jkt ? jkt : null;
}
