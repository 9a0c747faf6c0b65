import { Injectable } from '@nestjs/common';
import { AUTHORIZATION_CODE_GRANT, AuthorizationCodeService } from '@latchkey/authorization-codes';
import { ClientAuthenticator, OAuthError, TokenExchangeService } from '@latchkey/token-exchange';
import { UsersService } from '@latchkey/users';
import type { FastifyRequest } from 'fastify';
import type { DialectResponse } from '../common/dialect-response.js';
import { authorizeResponse, readAuthorizeQuery } from './dressipi-authorize.dto.js';
import { OOB_REDIRECT_URI, requireApiKey } from './dressipi-parameters.js';
import { readTokenRequest, toTokenRequest } from './dressipi-token-request.dto.js';
import { fromTokenResult } from './dressipi-token-response.dto.js';

/**
 * The dressipi dialect: maps the vendor's requests onto the core and back. Token requests
 * go through TokenExchangeService; the out-of-band authorize authenticates the client by
 * its API key, creates an anonymous profile (UsersService) and issues it a code
 * (AuthorizationCodeService, with the client's rules).
 */
@Injectable()
export class DressipiDialect {
  constructor(
    private readonly exchange: TokenExchangeService,
    private readonly clients: ClientAuthenticator,
    private readonly users: UsersService,
    private readonly codes: AuthorizationCodeService,
  ) {}

  /** POST /oauth/token. The x-dressipi-jwt header is not read. */
  async token(request: FastifyRequest, body: unknown): Promise<DialectResponse> {
    const apiKey = requireApiKey(request);
    const params = readTokenRequest(request, body);
    return fromTokenResult(await this.exchange.exchange(toTokenRequest(params, apiKey), { ip: request.ip }));
  }

  /**
   * GET /oauth/authorize: every check comes before the profile is created, so that a
   * refused request creates nothing. The code is bound to the S256 challenge and the
   * out-of-band redirect URI, for the client's registered scopes.
   */
  async authorize(request: FastifyRequest): Promise<DialectResponse> {
    const apiKey = requireApiKey(request);
    const query = readAuthorizeQuery(request);
    const client = await this.clients.authenticate({ method: 'api_key', clientId: query.client_id, apiKey }, { ip: request.ip });
    if (client.profile !== 'dressipi') throw new OAuthError('unauthorized_client', 'This client is not registered for this endpoint.');
    if (!client.grantTypes.includes(AUTHORIZATION_CODE_GRANT)) {
      throw new OAuthError('unauthorized_client', 'This client may not use the authorization_code grant.');
    }
    if (!client.redirectUris.includes(OOB_REDIRECT_URI)) {
      throw new OAuthError('invalid_request', `The redirect_uri ${OOB_REDIRECT_URI} is not registered for this client.`, { field: 'redirect_uri' });
    }
    const profile = await this.users.createAnonymousProfile(client.clientId);
    const { code } = await this.codes.issueForTrustedFrontEnd({
      clientId: client.clientId,
      userId: profile.id,
      redirectUri: OOB_REDIRECT_URI,
      codeChallenge: query.code_challenge,
      codeChallengeMethod: 'S256',
    });
    return authorizeResponse(code, query.state);
  }
}
