import { ArgumentsHost, HttpException, Logger, type ExceptionFilter, type Type } from '@nestjs/common';
import { Catch } from '@nestjs/common';
import { negotiateResponseFormat } from '@latchkey/negotiation';
import { OAuthError } from '@latchkey/token-exchange';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DialectResponse } from './dialect-response.js';
import { sendNegotiated } from './negotiated-reply.js';

/** A dialect's one error renderer: the core's OAuthError in the vendor's shape. */
export type DialectErrorRenderer = (error: OAuthError) => DialectResponse;

/**
 * Builds the exception filter of one dialect: every error (OAuthError, HttpException,
 * anything unexpected as server_error with its detail logged only) is rendered by the
 * dialect's function and sent in the negotiated format (JSON when nothing is acceptable).
 */
export function dialectErrorFilter(dialect: string, render: DialectErrorRenderer): Type<ExceptionFilter> {
  const logger = new Logger(dialect);

  @Catch()
  class DialectErrorFilter implements ExceptionFilter {
    catch(exception: unknown, host: ArgumentsHost) {
      const request = host.switchToHttp().getRequest<FastifyRequest>();
      const reply = host.switchToHttp().getResponse<FastifyReply>();
      const error = exception instanceof HttpException ? fromHttpException(exception) : OAuthError.from(exception);
      if (error.status >= 500) logger.error({ requestId: request.id, err: exception, debug: error.debug }, `${dialect} token request failed`);
      const format = negotiateResponseFormat(request.headers.accept, request.bodyFormat) ?? 'json';
      const response = render(error);
      sendNegotiated(reply, { ...response, headers: { ...retryAfter(error), ...response.headers } }, format);
    }
  }
  return DialectErrorFilter;
}

function retryAfter(error: OAuthError): Record<string, string> {
  return error.retryAfter ? { 'Retry-After': String(error.retryAfter) } : {};
}

function fromHttpException(exception: HttpException): OAuthError {
  const status = exception.getStatus();
  if (status === 429) return new OAuthError('too_many_requests', 'Too many requests.', { status });
  if (status >= 500) return OAuthError.from(exception);
  return new OAuthError('invalid_request', exception.message, { status });
}
