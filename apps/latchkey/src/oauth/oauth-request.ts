import { OAuthError, type ClientAuthentication } from '@latchkey/token-exchange';
import { UnreadableBody } from '@latchkey/negotiation';
import type { FastifyRequest } from 'fastify';

/**
 * The form parameters of a standard endpoint (RFC 6749 §3.2: application/x-www-form-
 * urlencoded, every parameter at most once; empty values count as absent).
 */
export function formParameters(request: FastifyRequest, body: unknown): Record<string, string> {
  // The content type first: a JSON or XML body is 415 whether or not it parses.
  if (request.bodyFormat !== 'form' || (body instanceof UnreadableBody && body.reason === 'unsupported_media_type')) {
    throw new OAuthError('invalid_request', 'The body must be application/x-www-form-urlencoded.', { status: 415 });
  }
  if (body instanceof UnreadableBody) {
    throw new OAuthError('invalid_request', body.message, { status: body.reason === 'too_large' ? 413 : 400 });
  }
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(value)) throw new OAuthError('invalid_request', `The ${name} parameter is repeated.`, { field: name });
    if (typeof value === 'string' && value !== '') params[name] = value;
  }
  return params;
}

/**
 * RFC 6749 §2.3.1: HTTP Basic (client_id and secret form-urlencoded, then base64) or
 * client_id + client_secret in the body; a public client sends client_id alone. Using two
 * methods at once is refused.
 */
export function clientAuthentication(request: FastifyRequest, params: Record<string, string>): ClientAuthentication {
  const header = request.headers.authorization;
  if (header && /^basic /i.test(header)) {
    if (params.client_secret !== undefined) {
      throw new OAuthError('invalid_request', 'Use one client authentication method, not two.');
    }
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError('invalid_client', 'Malformed HTTP Basic credentials.');
    const clientId = safeDecode(decoded.slice(0, colon));
    const secret = safeDecode(decoded.slice(colon + 1));
    if (params.client_id !== undefined && params.client_id !== clientId) {
      throw new OAuthError('invalid_request', 'client_id does not match the authenticated client.');
    }
    return { method: 'client_secret_basic', clientId, secret };
  }
  const clientId = params.client_id;
  if (!clientId) throw new OAuthError('invalid_client', 'Client authentication is required.', { status: 401 });
  if (params.client_secret !== undefined) return { method: 'client_secret_post', clientId, secret: params.client_secret };
  return { method: 'none', clientId };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw new OAuthError('invalid_client', 'Malformed HTTP Basic credentials.');
  }
}

/** The URLs a DPoP proof's htu may name for this endpoint: the issuer's, and as received. */
export function endpointUrls(request: FastifyRequest, issuer: string): string[] {
  const path = request.url.split('?')[0]!;
  return [`${issuer}${path}`, `${request.protocol}://${request.host}${path}`];
}
