import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { OAuthError } from '@latchkey/token-exchange';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * RFC 6749 §5.2 error responses for the standard endpoints: `{error, error_description}`
 * with the error's status. invalid_client after HTTP Basic answers 401 with a Basic
 * challenge (§5.2); invalid_token carries a Bearer/DPoP challenge (RFC 6750 §3, RFC 9449 §7.1).
 * A rate-limit refusal is 429 with Retry-After and `temporarily_unavailable`: RFC 6749 has
 * no code for it, and that one is the RFC's "try again later" (clients tell it from an
 * outage, 503, by the status).
 * Anything that is not an OAuthError is logged and answered as server_error.
 */
@Catch()
export class OAuthErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('OAuth');

  catch(exception: unknown, host: ArgumentsHost) {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = exception instanceof HttpException ? fromHttpException(exception) : OAuthError.from(exception);
    if (error.status >= 500) this.logger.error({ requestId: request.id, err: exception, debug: error.debug }, 'token endpoint failed');
    else if (error.debug) this.logger.debug({ requestId: request.id, debug: error.debug }, error.code);

    if (error.code === 'invalid_client' && /^basic /i.test(request.headers.authorization ?? '')) {
      void reply.header('WWW-Authenticate', 'Basic realm="latchkey", charset="UTF-8"');
    }
    if (error.code === 'invalid_token' || error.code === 'insufficient_scope') {
      const scheme = /^dpop /i.test(request.headers.authorization ?? '') ? 'DPoP' : 'Bearer';
      void reply.header('WWW-Authenticate', `${scheme} error="${error.code}", error_description="${error.description.replace(/"/g, "'")}"`);
    }
    if (error.retryAfter) void reply.header('Retry-After', String(error.retryAfter));
    void reply
      .status(error.status)
      .header('Cache-Control', 'no-store')
      .header('Pragma', 'no-cache')
      .type('application/json')
      .send({ error: error.code === 'too_many_requests' ? 'temporarily_unavailable' : error.code, error_description: error.description });
  }
}

function fromHttpException(exception: HttpException): OAuthError {
  const status = exception.getStatus();
  if (status === 415) return new OAuthError('invalid_request', exception.message, { status: 415 });
  if (status === 413) return new OAuthError('invalid_request', 'The request body is too large.', { status: 413 });
  if (status === 404) return new OAuthError('invalid_request', 'Not found.', { status: 404 });
  if (status === 429) return new OAuthError('too_many_requests', 'Too many requests.', { status: 429 });
  if (status < 500) return new OAuthError('invalid_request', exception.message, { status });
  return OAuthError.from(exception);
}
