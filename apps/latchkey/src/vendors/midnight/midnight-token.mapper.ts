import { OAuthError, type FieldError, type TokenRequest, type TokenResult } from '@latchkey/token-exchange';
import type { FastifyRequest } from 'fastify';
import { dialectFields } from '../common/dialect-body.js';
import { NO_STORE, type DialectResponse } from '../common/dialect-response.js';
import {
  AuthTokenResponseModel,
  MIDNIGHT_REQUEST_FIELDS,
  MIDNIGHT_REQUEST_ROOT,
  MIDNIGHT_RESPONSE_ROOT,
  OAuth2AuthTokenRequestModel,
} from './midnight-token.dto.js';

/** The namespaces ASP.NET's XmlSerializer declares on the root, in its order. */
export const XML_SCHEMA_NAMESPACES = {
  'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
  'xmlns:xsd': 'http://www.w3.org/2001/XMLSchema',
} as const;

/**
 * The body's fields: JSON (application/json, text/json) or XML (application/xml, text/xml).
 * Any other media type is 415 with ASP.NET's message, which names the media type without
 * its parameters; a body without a Content-Type is application/octet-stream to ASP.NET.
 */
export function midnightFields(request: FastifyRequest, body: unknown): Record<string, unknown> {
  if (!request.headers['content-type'] && Number(request.headers['content-length'] ?? 0) > 0) throw unsupportedMediaType('application/octet-stream');
  try {
    return dialectFields(request, body, ['json', 'xml']);
  } catch (error) {
    if (error instanceof OAuthError && error.status === 415) {
      throw unsupportedMediaType(String(request.headers['content-type'] ?? '').split(';')[0]!.trim());
    }
    throw error;
  }
}

function unsupportedMediaType(mediaType: string): OAuthError {
  return new OAuthError('invalid_request', `The request entity's media type '${mediaType}' is not supported for this resource.`, { status: 415 });
}

/** ASP.NET's [Required] on a string: some character that is not white space. */
const NOT_BLANK = /\S/;

/**
 * Model binding and validation as ASP.NET Web API 2 does them: JSON property names match
 * without regard to case (Json.NET), XML element names exactly (XmlSerializer, root
 * <OAuth2AuthTokenRequestModel>); numbers and booleans bind as their text; every failed
 * field is reported at once, in the model's field order. Every field is [Required]: null,
 * absent, empty or white space fail with its message (checked by hand, not by
 * class-validator: on this hot path its pass cost more than the rest of the controller).
 */
export function readMidnightRequest(request: FastifyRequest, fields: Record<string, unknown>): OAuth2AuthTokenRequestModel {
  if (request.bodyFormat === 'xml' && request.xmlRoot !== MIDNIGHT_REQUEST_ROOT) {
    throw invalidModel([{ field: '', message: `The XML root element must be <${MIDNIGHT_REQUEST_ROOT}>, not <${request.xmlRoot ?? ''}>.` }]);
  }
  const model = new OAuth2AuthTokenRequestModel();
  const errors: FieldError[] = [];
  for (const name of MIDNIGHT_REQUEST_FIELDS) {
    const value = request.bodyFormat === 'json' ? propertyIgnoringCase(fields, name) : fields[name];
    if (value !== null && typeof value === 'object') errors.push({ field: name, message: `The value of ${name} is not valid.` });
    else if (value === undefined || value === null || !NOT_BLANK.test(String(value))) errors.push({ field: name, message: `The ${name} field is required.` });
    else model[name] = String(value);
  }
  if (errors.length) throw invalidModel(errors);
  return model;
}

/** A validation failure: the renderer writes it as ModelState (an empty field means the whole body). */
function invalidModel(fieldErrors: FieldError[]): OAuthError {
  return new OAuthError('invalid_request', 'The request is invalid.', { fieldErrors });
}

function propertyIgnoringCase(fields: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(fields, name)) return fields[name];
  const key = Object.keys(fields).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : fields[key];
}

/** The neutral request: a code for the public client UserPoolWebClientId, within Domain. */
export function toTokenRequest(model: OAuth2AuthTokenRequestModel): TokenRequest {
  return {
    grantType: 'authorization_code',
    client: { method: 'none', clientId: model.UserPoolWebClientId },
    code: model.AuthorizationCode,
    codeVerifier: model.CodeVerifier,
    redirectUri: model.RedirectUri,
    profile: 'midnight',
    domain: model.Domain,
  };
}

/**
 * AuthTokenResponseModel: JSON keeps the vendor's field order and writes a missing value as
 * null (Json.NET); XML leaves a missing value out (XmlSerializer).
 */
export function fromTokenResult(result: TokenResult): DialectResponse {
  const json: AuthTokenResponseModel = {
    access_token: result.accessToken,
    refresh_token: result.refreshToken ?? null,
    token_type: 'Bearer',
    expires_in: result.expiresIn,
    Name: result.user?.name ?? null,
  };
  const xml = Object.fromEntries(Object.entries(json).filter(([, value]) => value !== null));
  return {
    status: 200,
    headers: { ...NO_STORE },
    body: { json, xml: { root: MIDNIGHT_RESPONSE_ROOT, attributes: { ...XML_SCHEMA_NAMESPACES }, content: xml } },
  };
}
