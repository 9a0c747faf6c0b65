import type { ClientEntity } from '@latchkey/persistence';
import type { VerifiedDpopProof } from './dpop/dpop-proof.verifier.js';
import type { TokenRequest } from './token-request.js';
import type { TokenResult } from './token-result.js';

/** What a handler is given: the request, the authenticated client, the verified proof. */
export interface GrantContext {
  request: TokenRequest;
  client: ClientEntity;
  dpop?: VerifiedDpopProof;
}

/**
 * One grant type (the fosite `TokenEndpointHandler`, node-oidc-provider's
 * `actions/grants/*`). Adding a grant is one class implementing this and one entry in
 * GRANT_HANDLER_TYPES (token-exchange.module.ts).
 */
export interface GrantHandler {
  readonly grantType: string;
  handle(context: GrantContext): Promise<TokenResult>;
}

/** The injection token under which all handlers are collected. */
export const GRANT_HANDLERS = Symbol('GRANT_HANDLERS');
