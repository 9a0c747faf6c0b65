import type { OAuthError } from '@latchkey/token-exchange';
import { NO_STORE, type DialectResponse } from '../common/dialect-response.js';
import { HUAWEI_ERROR_ROOT } from './huawei-token.dto.js';

/** The vendor's one documented description: what OneAccess says of a bad code. */
export const INVALID_CODE = 'Invalid authorization code';

/**
 * huawei's one error renderer: {"error", "error_description"} (XML: <ErrorResponse> with
 * the same two elements). Refusals are 400 as the vendor documents them, with its text for
 * an invalid, expired or used code. A failed client authentication, which the document does
 * not describe, is RFC 6749's 401 invalid_client with a Basic challenge. 406, 415, 429, 500
 * and 503 keep their status.
 */
export function renderHuaweiError(error: OAuthError): DialectResponse {
  switch (error.code) {
    case 'invalid_request':
      return answer(error.status, error.code, error.description);
    case 'invalid_client':
      return answer(error.status, error.code, error.description, error.status === 401 ? { 'WWW-Authenticate': 'Basic realm="latchkey", charset="UTF-8"' } : {});
    case 'invalid_grant': {
      const badCode = error.reason === 'code_invalid' || error.reason === 'code_expired' || error.reason === 'code_reused';
      return answer(400, error.code, badCode ? INVALID_CODE : error.description);
    }
    case 'unauthorized_client':
    case 'unsupported_grant_type':
    case 'invalid_scope':
    case 'access_denied':
    case 'unsupported_response_type':
    case 'invalid_token':
    case 'insufficient_scope':
    case 'invalid_dpop_proof':
    case 'login_required':
    case 'interaction_required':
      return answer(400, error.code, error.description);
    case 'too_many_requests':
    case 'temporarily_unavailable':
      return answer(error.status, error.code, error.description);
    case 'server_error':
      return answer(500, error.code, 'The server encountered an unexpected condition.');
    default: {
      const unrendered: never = error.code;
      throw new Error(`huawei: no rendering for ${String(unrendered)}`);
    }
  }
}

function answer(status: number, code: string, description: string, headers: Record<string, string> = {}): DialectResponse {
  const body = { error: code, error_description: description };
  return { status, headers: { ...NO_STORE, ...headers }, body: { json: body, xml: { root: HUAWEI_ERROR_ROOT, content: body } } };
}
