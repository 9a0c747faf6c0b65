/**
 * The error codes the core raises. RFC 6749 §5.2 and §4.1.2.1, RFC 6750 §3.1, RFC 9449,
 * OpenID Connect Core §3.1.2.6, plus two of Latchkey's own for conditions every dialect
 * must render (rate limiting, an unavailable database).
 */
export const OAUTH_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'access_denied',
  'unsupported_response_type',
  'invalid_token',
  'insufficient_scope',
  'invalid_dpop_proof',
  'login_required',
  'interaction_required',
  'server_error',
  'temporarily_unavailable',
  'too_many_requests',
] as const;
export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];

/**
 * Why a grant was refused, for dialects that tell these apart (aws-signin's
 * AUTHCODE_EXPIRED, TOKEN_EXPIRED, USER_CREDENTIALS_CHANGED).
 */
export type InvalidGrantReason =
  | 'code_invalid'
  | 'code_expired'
  | 'code_reused'
  | 'token_invalid'
  | 'token_expired'
  | 'token_reused'
  | 'token_revoked'
  | 'credentials_changed'
  | 'pkce_failed'
  | 'redirect_uri_mismatch'
  | 'client_mismatch';

const DEFAULT_STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  access_denied: 403,
  unsupported_response_type: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_dpop_proof: 400,
  login_required: 400,
  interaction_required: 400,
  server_error: 500,
  temporarily_unavailable: 503,
  too_many_requests: 429,
};

export interface FieldError {
  field: string;
  message: string;
}

export interface OAuthErrorOptions {
  status?: number;
  reason?: InvalidGrantReason;
  /** Which request field was wrong, for dialects that name it. */
  field?: string;
  /** Every failed field of a request that failed validation (midnight's ModelState). */
  fieldErrors?: FieldError[];
  /** Seconds, for 429. */
  retryAfter?: number;
  /** For the log only: never rendered. */
  debug?: string;
}

/**
 * The one error type of the core. Each dialect renders it with one function; the
 * description is safe to show to the client, `debug` goes to the log only.
 */
export class OAuthError extends Error {
  readonly status: number;
  readonly reason?: InvalidGrantReason;
  readonly field?: string;
  readonly fieldErrors?: FieldError[];
  readonly retryAfter?: number;
  readonly debug?: string;

  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    options: OAuthErrorOptions = {},
  ) {
    super(`${code}: ${description}`);
    this.name = 'OAuthError';
    this.status = options.status ?? DEFAULT_STATUS[code];
    this.reason = options.reason;
    this.field = options.field;
    this.fieldErrors = options.fieldErrors;
    this.retryAfter = options.retryAfter;
    this.debug = options.debug;
  }

  with(options: OAuthErrorOptions & { description?: string }): OAuthError {
    return new OAuthError(this.code, options.description ?? this.description, {
      status: this.status,
      reason: this.reason,
      field: this.field,
      fieldErrors: this.fieldErrors,
      retryAfter: this.retryAfter,
      debug: this.debug,
      ...options,
    });
  }

  /** Anything that is not an OAuthError becomes server_error; its detail stays in the log. */
  static from(error: unknown): OAuthError {
    if (error instanceof OAuthError) return error;
    if (isUnstorableText(error)) {
      // A value Postgres cannot hold (a NUL character) reached a query from a query string,
      // a header or a path: the request is at fault, not the server.
      return new OAuthError('invalid_request', 'The request contains characters that are not allowed.', { debug: String(error) });
    }
    if (isDatabaseUnavailable(error)) {
      return new OAuthError('temporarily_unavailable', 'The service is temporarily unavailable. Try again shortly.', {
        retryAfter: 5,
        debug: String(error),
      });
    }
    return new OAuthError('server_error', 'The server encountered an unexpected condition.', {
      debug: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
}

/** 22021 character_not_in_repertoire (NUL in text), 22P05 untranslatable_character. */
const UNSTORABLE_TEXT_CODES = new Set(['22021', '22P05']);

/** A query failed because a value from the request is not valid text for Postgres. */
export function isUnstorableText(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } } | undefined;
  const code = e?.code ?? e?.driverError?.code;
  return code !== undefined && UNSTORABLE_TEXT_CODES.has(code);
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P03', '53300']);

/** Connection-level failures (the database is down or restarting), not query errors. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string }; message?: string } | undefined;
  const code = e?.code ?? e?.driverError?.code;
  if (code && UNAVAILABLE_CODES.has(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/i.test(e?.message ?? '');
}
