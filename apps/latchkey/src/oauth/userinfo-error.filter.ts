import { ArgumentsHost, Catch } from '@nestjs/common';
import { DPOP_SIGNING_ALGORITHMS, OAuthError } from '@latchkey/token-exchange';
import type { FastifyReply } from 'fastify';
import { OAuthErrorFilter } from './oauth-error.filter.js';

/**
 * OAuthErrorFilter for a protected resource: an invalid or missing DPoP proof also gets its
 * challenge, `WWW-Authenticate: DPoP error="invalid_dpop_proof"` (RFC 9449 §7.1).
 */
@Catch()
export class UserinfoErrorFilter extends OAuthErrorFilter {
  override catch(exception: unknown, host: ArgumentsHost) {
    if (exception instanceof OAuthError && exception.code === 'invalid_dpop_proof') {
      const description = exception.description.replace(/"/g, "'");
      void host
        .switchToHttp()
        .getResponse<FastifyReply>()
        .header('WWW-Authenticate', `DPoP error="invalid_dpop_proof", error_description="${description}", algs="${DPOP_SIGNING_ALGORITHMS.join(' ')}"`);
    }
    super.catch(exception, host);
  }
}
