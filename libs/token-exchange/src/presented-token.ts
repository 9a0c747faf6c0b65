import { OAuthError } from './oauth-error.js';

/** The kinds of token a client may revoke or introspect (RFC 7009 §4.1.2, the hint registry). */
export type TokenKind = 'access_token' | 'refresh_token';

/** Longer than any token this server issues; anything bigger is no token of ours. */
const MAX_TOKEN_LENGTH = 8192;

/** The `token` parameter of RFC 7009 §2.1 and RFC 7662 §2.1: required. */
export function requireToken(token: string | undefined): string {
  if (!token) throw new OAuthError('invalid_request', 'The token parameter is required.', { field: 'token' });
  return token;
}

/**
 * The kinds a presented token may be, in the order to look them up: the hinted kind first,
 * then the other (a hint is only a hint: RFC 7009 §2.1, RFC 7662 §2.1; unknown hint values
 * are ignored). A kind the token's shape rules out is skipped: access tokens are JWTs
 * (three dot-separated base64url parts), refresh tokens are opaque base64url strings. (So
 * today the shape alone decides; the order matters once a kind of token has both shapes.)
 */
export function lookupOrder(token: string, hint?: string): TokenKind[] {
  if (token.length > MAX_TOKEN_LENGTH) return [];
  return hintedFirst(hint).filter((kind) => couldBe(token, kind));
}

/** Both kinds, the hinted one first. */
export function hintedFirst(hint?: string): TokenKind[] {
  return hint === 'refresh_token' ? ['refresh_token', 'access_token'] : ['access_token', 'refresh_token'];
}

function couldBe(token: string, kind: TokenKind): boolean {
  return kind === 'access_token' ? /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token) : /^[\w-]+$/.test(token);
}
