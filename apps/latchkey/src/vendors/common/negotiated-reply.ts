import { negotiateResponseFormat, writeXml, type ResponseFormat } from '@latchkey/negotiation';
import { OAuthError } from '@latchkey/token-exchange';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DialectResponse } from './dialect-response.js';

/**
 * The response format for this request (Accept, then the request body's format, then
 * JSON), or a 406 OAuthError that the dialect's filter renders, in JSON.
 */
export function responseFormat(request: FastifyRequest): ResponseFormat {
  const format = negotiateResponseFormat(request.headers.accept, request.bodyFormat);
  if (!format) {
    throw new OAuthError('invalid_request', 'None of the media types in the Accept header can be produced.', { status: 406 });
  }
  return format;
}

/** Writes a dialect's answer in the negotiated format. */
export function sendNegotiated(reply: FastifyReply, response: DialectResponse, format: ResponseFormat): void {
  void reply.status(response.status);
  for (const [name, value] of Object.entries(response.headers ?? {})) void reply.header(name, value);
  if (format === 'xml') {
    void reply.type('application/xml; charset=utf-8').send(writeXml(response.body.xml));
  } else {
    void reply.type('application/json; charset=utf-8').send(JSON.stringify(response.body.json));
  }
}
