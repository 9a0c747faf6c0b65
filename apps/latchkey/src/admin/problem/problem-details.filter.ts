import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import { isDatabaseUnavailable, isUnstorableText } from '@latchkey/token-exchange';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { ValidationProblem } from './validation-problem.js';

/** RFC 9457 problem details for the admin API. Unknown errors become a bare 500 (503 while the database is unreachable). */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('AdminApi');

  catch(exception: unknown, host: ArgumentsHost) {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const status = exception instanceof HttpException ? exception.getStatus() : statusOfUnknown(exception);
    if (status >= 500) this.logger.error({ requestId: request.id, err: exception }, 'admin request failed');

    const errors = exception instanceof ValidationProblem ? exception.errors : fieldErrorsOf(exception);
    const problem: Record<string, unknown> = {
      type: errors ? 'urn:latchkey:problem:validation' : 'about:blank',
      title: STATUS_CODES[status] ?? 'Error',
      status,
      detail: status === 503 ? 'The database is unavailable. Try again shortly.' : status >= 500 ? 'An internal error occurred.' : detailOf(exception),
      instance: request.url,
    };
    if (errors) problem.errors = errors;
    if (status === HttpStatus.UNAUTHORIZED) reply.header('WWW-Authenticate', 'Bearer realm="latchkey-admin"');
    void reply.status(status).header('Content-Type', 'application/problem+json').send(JSON.stringify(problem));
  }
}

/** A value Postgres cannot hold (a NUL character) is the request's fault; an unreachable database is 503. */
function statusOfUnknown(exception: unknown): number {
  if (isUnstorableText(exception)) return HttpStatus.BAD_REQUEST;
  if (isDatabaseUnavailable(exception)) return HttpStatus.SERVICE_UNAVAILABLE;
  return HttpStatus.INTERNAL_SERVER_ERROR;
}

/** Field errors that a library attached to its HttpException (`{message, errors}`). */
function fieldErrorsOf(exception: unknown): unknown[] | undefined {
  if (!(exception instanceof HttpException)) return undefined;
  const response = exception.getResponse();
  const errors = typeof response === 'object' && response !== null ? (response as { errors?: unknown }).errors : undefined;
  return Array.isArray(errors) && errors.length > 0 ? errors : undefined;
}

function detailOf(exception: unknown): string {
  if (!(exception instanceof HttpException)) return 'The request contains characters that are not allowed.';
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string' && message !== 'Unauthorized') return message;
  return exception.getStatus() === HttpStatus.UNAUTHORIZED ? 'A valid admin bearer token is required.' : exception.message;
}
