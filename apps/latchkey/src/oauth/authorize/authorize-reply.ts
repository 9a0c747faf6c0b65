import type { AuthorizationOutcome } from '@latchkey/authorization';
import type { FastifyReply } from 'fastify';
import { pageHeaders, renderErrorPage, renderLoginPage } from './login-page.js';

/**
 * Sends what the authorization endpoint decided: the sign-in form (200), a 303 to the
 * client's redirect URI, or an error page; with the outcome's cookies.
 */
export function sendAuthorizeOutcome(reply: FastifyReply, outcome: AuthorizationOutcome): void {
  if (outcome.cookies.length > 0) void reply.header('set-cookie', outcome.cookies);
  switch (outcome.kind) {
    case 'redirect':
      void reply
        .status(303)
        .header('location', outcome.location)
        .header('cache-control', 'no-store')
        .header('pragma', 'no-cache')
        .header('referrer-policy', 'no-referrer')
        .send();
      return;
    case 'login_page':
      void reply.status(outcome.status).headers(pageHeaders({ redirectUri: outcome.redirectUri })).send(renderLoginPage(outcome));
      return;
    case 'error_page':
      sendErrorPage(reply, outcome.status, outcome.message);
      return;
  }
}

export function sendErrorPage(reply: FastifyReply, status: number, message: string): void {
  void reply.status(status).headers(pageHeaders(null)).send(renderErrorPage(message));
}
