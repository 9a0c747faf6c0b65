import { OAuthError } from '@latchkey/token-exchange';
import { UnreadableBody, type BodyFormat } from '@latchkey/negotiation';
import type { FastifyRequest } from 'fastify';

/**
 * The parsed body of a dialect's request, if its format is one the dialect takes: 415 for
 * any other content type, 413 for one over the size limit, 400 for a body that does not
 * parse (or holds a NUL character), and (RFC 6749 §3.2) 400 for a
 * repeated parameter. Values that are not strings are kept for the dialect's validator.
 */
export function dialectFields(request: FastifyRequest, body: unknown, accepted: readonly BodyFormat[]): Record<string, unknown> {
  // The content type first: a body of a format the dialect does not take is 415 whether or not it parses.
  if (body instanceof UnreadableBody && body.reason === 'unsupported_media_type') throw unsupported(request);
  if (request.bodyFormat && !accepted.includes(request.bodyFormat)) throw unsupported(request);
  if (body instanceof UnreadableBody) {
    throw new OAuthError('invalid_request', body.message, { status: body.reason === 'too_large' ? 413 : 400 });
  }
  if (!request.bodyFormat) {
    // No body at all: treat as an empty JSON object so that validation names the fields.
    if (body === undefined || body === null) return {};
    throw unsupported(request);
  }
  const fields = (body ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(fields)) {
    if (Array.isArray(value)) throw new OAuthError('invalid_request', `The ${name} parameter is repeated.`, { field: name });
  }
  return fields;
}

function unsupported(request: FastifyRequest): OAuthError {
  return new OAuthError('invalid_request', `The request entity's media type '${String(request.headers['content-type'] ?? '')}' is not supported for this resource.`, {
    status: 415,
  });
}
