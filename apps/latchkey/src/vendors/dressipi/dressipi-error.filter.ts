import { ApiProperty } from '@nestjs/swagger';
import type { OAuthError, OAuthErrorCode } from '@latchkey/token-exchange';
import { dialectErrorFilter } from '../common/dialect-error.filter.js';
import { NO_STORE, type DialectResponse } from '../common/dialect-response.js';

/** XML answers: the root element of an error (the vendor documents JSON only). */
export const ERROR_XML_ROOT = 'error_response';

/** The codes dressipi documents: those of RFC 6749 (§4.1.2.1 and §5.2). */
export type DressipiErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable';

/** "oauth2 error": the vendor's generic error object. */
export class DressipiErrorBody {
  @ApiProperty({
    description: 'One of the error codes of RFC 6749',
    enum: [
      'invalid_request',
      'invalid_client',
      'invalid_grant',
      'unauthorized_client',
      'unsupported_grant_type',
      'invalid_scope',
      'access_denied',
      'unsupported_response_type',
      'server_error',
      'temporarily_unavailable',
    ],
    example: 'invalid_request',
  })
  error: DressipiErrorCode;

  @ApiProperty({ description: 'A human readable description of the error', example: 'The redirect_uri parameter must be urn:ietf:wg:oauth:2.0:oob:auto.' })
  error_description: string;
}

/**
 * The one renderer of the dressipi dialect: the core's OAuthError as RFC 6749's
 * {error, error_description} with the error's status (400, 401 for client
 * authentication, 406, 415, 429, 5xx) and no-store. Codes that RFC 6749 does not define
 * are rendered as the nearest code it does.
 */
export function renderDressipiError(error: OAuthError): DialectResponse {
  const body = { error: dressipiCode(error.code), error_description: error.description };
  return {
    status: error.status,
    headers: { ...NO_STORE },
    body: { json: body, xml: { root: ERROR_XML_ROOT, content: body, declaration: true } },
  };
}

function dressipiCode(code: OAuthErrorCode): DressipiErrorCode {
  switch (code) {
    case 'invalid_request':
    case 'invalid_client':
    case 'invalid_grant':
    case 'unauthorized_client':
    case 'unsupported_grant_type':
    case 'invalid_scope':
    case 'access_denied':
    case 'unsupported_response_type':
    case 'server_error':
    case 'temporarily_unavailable':
      return code;
    case 'invalid_token':
      return 'invalid_grant';
    case 'insufficient_scope':
      return 'invalid_scope';
    case 'invalid_dpop_proof':
      return 'invalid_request';
    case 'login_required':
    case 'interaction_required':
      return 'access_denied';
    case 'too_many_requests':
      // Status 429 with Retry-After; RFC 6749 has no code of its own for it.
      return 'temporarily_unavailable';
    default: {
      const unrendered: never = code;
      throw new Error(`dressipi renders no error code ${String(unrendered)}`);
    }
  }
}

/** Renders every error of the dressipi endpoints, negotiated like their answers. */
export const DressipiErrorFilter = dialectErrorFilter('dressipi', renderDressipiError);
