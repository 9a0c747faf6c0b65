import type { InvalidGrantReason, OAuthError } from '@latchkey/token-exchange';
import { NO_STORE, type DialectResponse } from '../common/dialect-response.js';

/** The exceptions of CreateOAuth2Token (the value of x-amzn-ErrorType). */
export type AwsSigninException = 'ValidationException' | 'AccessDeniedException' | 'TooManyRequestsError' | 'InternalServerException';

/** The `error` member (the SDK's OAuth2ErrorCode values). */
export type AwsSigninErrorCode =
  | 'INVALID_REQUEST'
  | 'AUTHCODE_EXPIRED'
  | 'TOKEN_EXPIRED'
  | 'USER_CREDENTIALS_CHANGED'
  | 'INSUFFICIENT_PERMISSIONS'
  | 'server_error'
  | 'service_unavailable';

/**
 * aws-signin's one error renderer: status, `x-amzn-ErrorType: <exception>` (restJson1's
 * error discriminator, read by the AWS SDK) and {"error": <code>, "message": "..."}:
 * - ValidationException 400 INVALID_REQUEST: a malformed or invalid request (406, 413 and
 *   415 keep their status), an unknown client, a bad DPoP proof;
 * - AccessDeniedException 400 (the SDK's CredentialsProvider reads `error`):
 *   AUTHCODE_EXPIRED for a bad, expired, reused or mismatched code (wrong verifier or
 *   redirectUri included), TOKEN_EXPIRED for an expired, revoked, reused or unknown refresh
 *   token or one presented with another DPoP key, USER_CREDENTIALS_CHANGED for a user
 *   disabled or whose password changed since the grant, INSUFFICIENT_PERMISSIONS for a
 *   client that may not do this (wrong profile or grant, a code or token of another client);
 * - TooManyRequestsError 429 INVALID_REQUEST (with Retry-After when known);
 * - InternalServerException 500 server_error, or 503 service_unavailable when the service
 *   is temporarily unavailable (with Retry-After).
 * In XML: the same members under an element named after the exception.
 */
export function renderAwsSigninError(error: OAuthError): DialectResponse {
  switch (error.code) {
    case 'invalid_request':
      // 400, or the status of a refusal of the HTTP exchange itself (406 Accept, 413 size, 415 media type).
      return reply(error.status, 'ValidationException', 'INVALID_REQUEST', error.description);
    case 'invalid_client':
      return reply(400, 'ValidationException', 'INVALID_REQUEST', 'Invalid client: the clientId is not a registered, enabled client.');
    case 'unsupported_grant_type':
    case 'invalid_scope':
    case 'unsupported_response_type':
    case 'invalid_dpop_proof':
      return reply(400, 'ValidationException', 'INVALID_REQUEST', error.description);
    case 'invalid_grant':
      return reply(400, 'AccessDeniedException', grantRefusal(error.reason), error.description);
    case 'invalid_token':
      return reply(400, 'AccessDeniedException', 'TOKEN_EXPIRED', error.description);
    case 'unauthorized_client':
    case 'access_denied':
    case 'insufficient_scope':
    case 'login_required':
    case 'interaction_required':
      return reply(400, 'AccessDeniedException', 'INSUFFICIENT_PERMISSIONS', error.description);
    case 'too_many_requests':
      return reply(429, 'TooManyRequestsError', 'INVALID_REQUEST', error.description);
    case 'temporarily_unavailable':
      return reply(503, 'InternalServerException', 'service_unavailable', error.description);
    case 'server_error':
      return reply(500, 'InternalServerException', 'server_error', 'The request processing has failed because of an unknown error, exception or failure.');
    default: {
      const unrendered: never = error.code;
      throw new Error(`aws-signin: no rendering for ${String(unrendered)}`);
    }
  }
}

/** invalid_grant by reason (exhaustive: a new reason that nobody maps fails to compile). */
function grantRefusal(reason: InvalidGrantReason | undefined): AwsSigninErrorCode {
  switch (reason) {
    case 'code_invalid':
    case 'code_expired':
    case 'code_reused':
    case 'pkce_failed':
    case 'redirect_uri_mismatch':
      return 'AUTHCODE_EXPIRED';
    case 'token_invalid':
    case 'token_expired':
    case 'token_reused':
    case 'token_revoked':
    case undefined:
      return 'TOKEN_EXPIRED';
    case 'credentials_changed':
      return 'USER_CREDENTIALS_CHANGED';
    case 'client_mismatch':
      return 'INSUFFICIENT_PERMISSIONS';
    default: {
      const unrendered: never = reason;
      throw new Error(`aws-signin: no rendering for invalid_grant reason ${String(unrendered)}`);
    }
  }
}

function reply(status: number, exception: AwsSigninException, code: AwsSigninErrorCode, message: string): DialectResponse {
  return {
    status,
    headers: { ...NO_STORE, 'x-amzn-ErrorType': exception },
    body: { json: { error: code, message }, xml: { root: exception, content: { error: code, message } } },
  };
}
