/** What a successful exchange produced; each dialect maps it to its own response. */
export interface TokenResult {
  accessToken: string;
  /** 'DPoP' when the access token is bound to a DPoP key (RFC 9449 §5). */
  tokenType: 'Bearer' | 'DPoP';
  /** Seconds. */
  expiresIn: number;
  /** Space-separated granted scope. */
  scope: string;
  refreshToken?: string;
  idToken?: string;
  clientId: string;
  grantId: string | null;
  /** The user the tokens are for (absent for client_credentials). */
  user?: { id: string; name: string; email: string | null };
}
