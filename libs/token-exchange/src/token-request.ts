import type { ClientProfile } from '@latchkey/persistence';
import type { DpopRequest } from './dpop/dpop-proof.verifier.js';

/** How the client presented itself (RFC 6749 §2.3, plus dressipi's API key). */
export type ClientAuthentication =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; secret: string }
  | { method: 'none'; clientId: string }
  | { method: 'api_key'; clientId: string; apiKey: string };

/**
 * Who is calling, as the HTTP layer sees it: the rate limits count per IP (DESIGN.md §5).
 * `ip` is Fastify's `request.ip` (the TCP peer; behind a proxy, see README "Rate limits").
 */
export interface CallerContext {
  ip?: string;
}

/**
 * A token request in no dialect's shape: every adapter maps its own DTO to this and
 * calls TokenExchangeService.exchange().
 */
export interface TokenRequest {
  grantType: string;
  client: ClientAuthentication;
  code?: string;
  redirectUri?: string;
  codeVerifier?: string;
  refreshToken?: string;
  /** Space-separated. */
  scope?: string;
  /** The request's DPoP header(s) and what its htu/htm must match. */
  dpop?: DpopRequest;
  /** The profile the dialect serves: a client of another profile is refused. */
  profile?: ClientProfile;
  /** midnight: must equal the client's domain. */
  domain?: string;
}
