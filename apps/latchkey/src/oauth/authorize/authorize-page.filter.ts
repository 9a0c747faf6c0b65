import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { OAuthError } from '@latchkey/token-exchange';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendErrorPage } from './authorize-reply.js';

/**
 * Anything that goes wrong at /oauth2/authorize is answered with the HTML error page (a
 * browser is on the other end), never JSON and never a stack trace; server faults are
 * logged with the request id.
 */
@Catch()
export class AuthorizePageFilter implements ExceptionFilter {
  private readonly logger = new Logger('Authorize');

  catch(exception: unknown, host: ArgumentsHost) {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      sendErrorPage(reply, exception.getStatus(), 'The sign-in request could not be read.');
      return;
    }
    const error = OAuthError.from(exception);
    if (error.status < 500) {
      // A value the database cannot hold (a NUL character in a parameter): the request's fault.
      sendErrorPage(reply, error.status, 'The sign-in request could not be read.');
      return;
    }
    this.logger.error({ requestId: request.id, err: exception, debug: error.debug }, 'authorization endpoint failed');
    if (error.retryAfter) void reply.header('Retry-After', String(error.retryAfter));
    sendErrorPage(
      reply,
      error.status,
      error.code === 'temporarily_unavailable' ? 'The service is temporarily unavailable. Try again shortly.' : 'Something went wrong on our side. Try again.',
    );
  }
}
