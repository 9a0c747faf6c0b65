import { Injectable } from '@nestjs/common';
import { AUTHORIZATION_CODE_GRANT, AuthorizationCodeService } from '@latchkey/authorization-codes';
import type { ClientProfile } from '@latchkey/persistence';
import { UsersService } from '@latchkey/users';
import { ClientAuthenticator } from './client-authenticator.js';
import { OAuthError } from './oauth-error.js';
import type { CallerContext } from './token-request.js';

export interface AnonymousAuthorizationRequest {
  clientId: string;
  apiKey: string;
  /** The profile the dialect serves. */
  profile: ClientProfile;
  /** The out-of-band redirect URI the client must have registered. */
  redirectUri: string;
  /** PKCE S256 only. */
  codeChallenge: string;
}

/**
 * An authorization without a login page (dressipi's out-of-band authorize): the client,
 * authenticated by its API key, gets a code for a new anonymous profile it owns. Every
 * check comes before the profile is created, so that a refused request creates nothing.
 */
@Injectable()
export class AnonymousAuthorization {
  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly users: UsersService,
    private readonly codes: AuthorizationCodeService,
  ) {}

  async authorize(request: AnonymousAuthorizationRequest, context: CallerContext = {}): Promise<{ code: string }> {
    const client = await this.clients.authenticate({ method: 'api_key', clientId: request.clientId, apiKey: request.apiKey }, context);
    if (client.profile !== request.profile) throw new OAuthError('unauthorized_client', 'This client is not registered for this endpoint.');
    if (!client.grantTypes.includes(AUTHORIZATION_CODE_GRANT)) {
      throw new OAuthError('unauthorized_client', 'This client may not use the authorization_code grant.');
    }
    if (!client.redirectUris.includes(request.redirectUri)) {
      throw new OAuthError('invalid_request', `The redirect_uri ${request.redirectUri} is not registered for this client.`, { field: 'redirect_uri' });
    }
    const profile = await this.users.createAnonymousProfile(client.clientId);
    const { code } = await this.codes.issueForTrustedFrontEnd({
      clientId: client.clientId,
      userId: profile.id,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: 'S256',
    });
    return { code };
  }
}
