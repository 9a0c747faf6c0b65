import type { OAuthError } from '@latchkey/token-exchange';
import { NO_STORE, type DialectResponse } from '../common/dialect-response.js';

/** The core's parameter names, as midnight's model calls them (for ModelState keys). */
const MODEL_FIELD: Record<string, string> = {
  code: 'AuthorizationCode',
  code_verifier: 'CodeVerifier',
  redirect_uri: 'RedirectUri',
  client_id: 'UserPoolWebClientId',
};

/**
 * midnight's one error renderer: ASP.NET Web API 2's HttpError. Validation failures are
 * 400 {"Message":"The request is invalid.","ModelState":{"model.Domain":["The Domain field
 * is required."]}}; every other refusal (bad code, verifier, redirect URI, client or
 * domain) is 400 {"Message": "..."}; 415 and 406 keep their status; an unexpected failure
 * is 500 {"Message":"An error has occurred."}. In XML: <Error><Message>..</Message>
 * <ModelState><model.Domain>..</model.Domain></ModelState></Error>, as HttpError writes
 * itself (one element per key, its messages joined by a space).
 */
export function renderMidnightError(error: OAuthError): DialectResponse {
  switch (error.code) {
    case 'invalid_request':
      if (error.status !== 400) return message(error.status, error.description);
      return invalidModel(error);
    case 'invalid_client':
    case 'invalid_grant':
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
      return message(400, error.description);
    case 'too_many_requests':
    case 'temporarily_unavailable':
      return message(error.status, error.description);
    case 'server_error':
      return message(500, 'An error has occurred.');
    default: {
      const unrendered: never = error.code;
      throw new Error(`midnight: no rendering for ${String(unrendered)}`);
    }
  }
}

function message(status: number, text: string): DialectResponse {
  return { status, headers: { ...NO_STORE }, body: { json: { Message: text }, xml: { root: 'Error', content: { Message: text } } } };
}

/** ModelState: one key per failed field, model.<Field> (or model for the body as a whole). */
function invalidModel(error: OAuthError): DialectResponse {
  const failures = error.fieldErrors ?? [{ field: error.field ?? '', message: error.description }];
  const modelState: Record<string, string[]> = {};
  for (const { field, message } of failures) {
    const key = field ? `model.${MODEL_FIELD[field] ?? field}` : 'model';
    (modelState[key] ??= []).push(message);
  }
  const Message = 'The request is invalid.';
  const xmlModelState = Object.fromEntries(Object.entries(modelState).map(([key, messages]) => [key, messages.join(' ')]));
  return {
    status: 400,
    headers: { ...NO_STORE },
    body: { json: { Message, ModelState: modelState }, xml: { root: 'Error', content: { Message, ModelState: xmlModelState } } },
  };
}
