import { Inject, Injectable } from '@nestjs/common';
import { TokenRateLimits } from '@latchkey/rate-limits';
import { ClientAuthenticator } from './client-authenticator.js';
import { DpopProofVerifier } from './dpop/dpop-proof.verifier.js';
import { GRANT_HANDLERS, type GrantHandler } from './grant-handler.js';
import { OAuthError } from './oauth-error.js';
import { rateLimitError } from './rate-limit-error.js';
import type { CallerContext, TokenRequest } from './token-request.js';
import type { TokenResult } from './token-result.js';

/**
 * The vendor-neutral token endpoint (DESIGN.md §2): authenticate the client, check that
 * it may use this dialect and grant, verify any DPoP proof, then hand over to the one
 * handler of the grant type. This is the only place that branches on grant_type.
 *
 * Every call first counts against the rate limits (RATE_LIMIT_PER_MINUTE): per caller IP
 * and endpoint family (the request's profile) when `context.ip` is given, and per client
 * id named by a client that authenticates (not for public clients); over either, 429
 * too_many_requests with Retry-After.
 */
@Injectable()
export class TokenExchangeService {
  private readonly handlers: ReadonlyMap<string, GrantHandler>;

  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly dpop: DpopProofVerifier,
    @Inject(GRANT_HANDLERS) handlers: GrantHandler[],
    private readonly limits: TokenRateLimits,
  ) {
    this.handlers = new Map(handlers.map((h) => [h.grantType, h]));
  }

  get grantTypes(): string[] {
    return [...this.handlers.keys()];
  }

  async exchange(request: TokenRequest, context: CallerContext = {}): Promise<TokenResult> {
    // A public client's id is no secret and is shared by all its users (aws-signin has two
    // for everyone): counting it would let one caller exhaust it for all. Public clients
    // are limited per IP only; confidential clients per IP and per client.
    const clientId = request.client.method === 'none' ? undefined : request.client.clientId;
    const refused = await this.limits.admitRequest({ endpoint: request.profile ?? 'standard', clientId, ip: context.ip });
    if (refused) throw rateLimitError(refused);
    if (!request.grantType) throw new OAuthError('invalid_request', 'The grant_type parameter is required.', { field: 'grant_type' });
    const handler = this.handlers.get(request.grantType);
    if (!handler) {
      throw new OAuthError('unsupported_grant_type', `The grant type "${request.grantType}" is not supported.`, { field: 'grant_type' });
    }

    const client = await this.clients.authenticate(request.client, context);
    if (request.profile && client.profile !== request.profile) {
      throw new OAuthError('unauthorized_client', 'This client is not registered for this endpoint.');
    }
    if (!client.grantTypes.includes(handler.grantType)) {
      throw new OAuthError('unauthorized_client', `This client may not use the ${handler.grantType} grant.`);
    }
    if (request.domain !== undefined && request.domain !== client.domain) {
      throw new OAuthError('invalid_client', 'The domain does not match the client.', { status: 400, field: 'Domain' });
    }

    const dpop = request.dpop ? await this.dpop.verify(request.dpop) : undefined;
    return handler.handle({ request, client, dpop });
  }
}
