/** What a verified access token says, for callers that authorize by scope. */
export interface VerifiedAccessToken {
  /** The JWT's jti. */
  tokenId: string;
  clientId: string;
  /** The user, or the client itself for client_credentials. */
  subject: string;
  scopes: string[];
  expiresAt: Date;
}

/**
 * Verifies a bearer access token issued by this server (signature, issuer, expiry, and
 * that it has not been revoked). Resolves null for anything that is not a valid token.
 */
export abstract class AccessTokenVerifier {
  abstract verify(token: string): Promise<VerifiedAccessToken | null>;
}
