import { Injectable, Optional } from '@nestjs/common';
import { ClientRegistry } from '@latchkey/clients';
import type { ClientEntity } from '@latchkey/persistence';
import { TokenRateLimits } from '@latchkey/rate-limits';
import { OAuthError } from './oauth-error.js';
import { rateLimitError } from './rate-limit-error.js';
import type { CallerContext, ClientAuthentication } from './token-request.js';

/**
 * RFC 6749 §2.3: authenticates the client by the method it used. A confidential client
 * must use its secret; a public client (`none`) only identifies itself and relies on
 * PKCE or DPoP; dressipi clients present an API key. Every failure is the same
 * invalid_client, so that nobody learns which client ids exist.
 *
 * Failures count against the client id and the caller's IP (AUTH_FAILURE_LIMIT_PER_MINUTE):
 * once either is over, authentication is refused with 429 before any credential is
 * checked, until the minute's window ends. Without TokenRateLimits (specs) nothing is counted.
 */
@Injectable()
export class ClientAuthenticator {
  constructor(
    private readonly clients: ClientRegistry,
    @Optional() private readonly limits?: TokenRateLimits,
  ) {}

  async authenticate(presented: ClientAuthentication, context: CallerContext = {}): Promise<ClientEntity> {
    const caller = { clientId: presented.clientId, ip: context.ip };
    const refused = await this.limits?.admitAuthentication(caller);
    if (refused) throw rateLimitError(refused);
    const client = await this.lookup(presented);
    if (!client) {
      await this.limits?.recordAuthenticationFailure(caller);
      throw new OAuthError('invalid_client', 'Client authentication failed.', {
        // Basic auth failures answer 401 with a challenge (RFC 6749 §5.2); the rest 401 too.
        status: 401,
        debug: `client ${JSON.stringify(presented.clientId)} by ${presented.method}`,
      });
    }
    return client;
  }

  private async lookup(presented: ClientAuthentication): Promise<ClientEntity | null> {
    switch (presented.method) {
      case 'client_secret_basic':
      case 'client_secret_post':
        return this.clients.authenticateSecret(presented.clientId, presented.secret);
      case 'api_key':
        return this.clients.authenticateApiKey(presented.clientId, presented.apiKey);
      case 'none': {
        const client = await this.clients.findById(presented.clientId);
        // A confidential client may not skip its secret.
        return client && client.type === 'public' && !client.disabled ? client : null;
      }
    }
  }
}
