import type { PkceMethod } from '@latchkey/authorization-codes';

/** The prompt values understood (OpenID Connect Core §3.1.2.1). */
export const PROMPT_VALUES = ['none', 'login', 'consent', 'select_account'] as const;
export type Prompt = (typeof PROMPT_VALUES)[number];

/**
 * An authorization request that passed every check against its client: what the login
 * interaction carries, and what the code is issued for.
 */
export interface PendingAuthorization {
  clientId: string;
  /** Exactly one of the client's registered redirect URIs. */
  redirectUri: string;
  /** Normalized (single spaces, no duplicates); null when the request named none (the client's scopes). */
  scope: string | null;
  state: string | null;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: PkceMethod | null;
  /** RFC 9449 §10: the code is bound to this DPoP key thumbprint. */
  dpopJkt: string | null;
  prompt: Prompt[];
  /** Seconds (OIDC max_age): an older sign-in must be repeated. */
  maxAge: number | null;
  loginHint: string | null;
}

/**
 * The error codes an authorization response may carry (RFC 6749 §4.1.2.1, OpenID Connect
 * Core §3.1.2.6 and §6.1).
 */
export type AuthorizationErrorCode =
  | 'invalid_request'
  | 'unauthorized_client'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'login_required'
  | 'request_not_supported'
  | 'request_uri_not_supported';

/**
 * The parameters of a request as received (a query string or a form body): a value is a
 * string, or an array when the name was repeated. Empty values count as absent
 * (RFC 6749 §3.1).
 */
export class AuthorizationParameters {
  private readonly values = new Map<string, string>();
  /** Names sent more than once (RFC 6749 §3.1: parameters must not repeat). */
  readonly repeated: string[] = [];

  constructor(raw: unknown) {
    if (typeof raw !== 'object' || raw === null) return;
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      if (Array.isArray(value)) {
        const present = value.filter((v) => typeof v === 'string' && v !== '');
        if (present.length > 1) this.repeated.push(name);
        else if (present.length === 1) this.values.set(name, present[0] as string);
      } else if (typeof value === 'string' && value !== '') {
        this.values.set(name, value);
      }
    }
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  has(name: string): boolean {
    return this.values.has(name) || this.repeated.includes(name);
  }
}

/**
 * Where an authorization response goes: `redirect_uri` with the parameters appended to its
 * query (RFC 6749 §4.1.2, with `iss` per RFC 9207). Built by hand so that a query the
 * registered URI already has is kept byte for byte.
 */
export function authorizationResponseUrl(redirectUri: string, params: Record<string, string | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value != null) query.append(name, value);
  const separator = redirectUri.includes('?') ? (redirectUri.endsWith('?') || redirectUri.endsWith('&') ? '' : '&') : '?';
  return `${redirectUri}${separator}${query.toString()}`;
}
