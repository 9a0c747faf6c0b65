import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { GrantContext, GrantHandler } from '../grant-handler.js';
import { OAuthError } from '../oauth-error.js';
import { TokenIssuance } from '../token-issuance.js';
import type { TokenResult } from '../token-result.js';
import { narrowScope } from './parameters.js';

/**
 * RFC 6749 §4.4: a confidential client acting for itself. The scope defaults to the
 * client's registered scopes; no refresh token, no ID token, no grant (the access token is
 * revocable through its issued-token record).
 */
@Injectable()
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = 'client_credentials';

  constructor(
    private readonly dataSource: DataSource,
    private readonly issuance: TokenIssuance,
  ) {}

  async handle({ request, client, dpop }: GrantContext): Promise<TokenResult> {
    if (client.type !== 'confidential') {
      throw new OAuthError('unauthorized_client', 'Only confidential clients may use client_credentials.');
    }
    const scope = narrowScope(request.scope, client.scopes.join(' '));
    const plan = await this.issuance.recordAccessToken(
      { client, subject: client.clientId, userId: null, grantId: null, scope, dpopJkt: dpop?.jkt ?? null },
      this.dataSource.manager,
    );
    return this.issuance.complete({ plan });
  }
}
