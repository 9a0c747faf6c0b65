/** RFC 8693-style token type URI of AWS SigV4 credentials (aws-signin's tokenType). */
export const SIGV4_TOKEN_TYPE = 'urn:aws:params:oauth:token-type:access_token_sigv4';

/**
 * Temporary AWS-style credentials issued as the access token (clients whose access-token
 * format is sigv4: see accessTokenFormat in token-issuance.ts).
 */
export interface IssuedSigv4Credentials {
  tokenType: typeof SIGV4_TOKEN_TYPE;
  /** `ASIA` + 16 upper-case alphanumerics. */
  accessKeyId: string;
  secretAccessKey: string;
  /** Resolves to accessKeyId on this server (X-Amz-Security-Token). */
  sessionToken: string;
  expiresAt: Date;
}

/** What a successful exchange produced; each dialect maps it to its own response. */
export interface TokenResult {
  /** A JWT; for SigV4 credentials, the access key id (the credentials are in `credentials`). */
  accessToken: string;
  /**
   * RFC 6749 token_type of a JWT access token: 'DPoP' when it is bound to a DPoP key
   * (RFC 9449 §5). SigV4 credentials are neither (their type is `credentials.tokenType`);
   * they are never bound to the DPoP key, so this says 'Bearer' for them.
   */
  tokenType: 'Bearer' | 'DPoP';
  /** Seconds. */
  expiresIn: number;
  /** Space-separated granted scope. */
  scope: string;
  refreshToken?: string;
  idToken?: string;
  /** Present when the access token is SigV4 credentials; then accessToken is their access key id. */
  credentials?: IssuedSigv4Credentials;
  clientId: string;
  grantId: string | null;
  /** The user the tokens are for (absent for client_credentials). */
  user?: { id: string; name: string; email: string | null };
}
