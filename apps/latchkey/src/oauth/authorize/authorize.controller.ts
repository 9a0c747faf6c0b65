import { Body, Controller, Get, Headers, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthorizationFlow } from '@latchkey/authorization';
import { UnreadableBody } from '@latchkey/negotiation';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthorizePageFilter } from './authorize-page.filter.js';
import { sendAuthorizeOutcome } from './authorize-reply.js';
import { AuthorizationFormBody, AuthorizationRequestParameters } from './authorize.dto.js';

const LOGIN_PAGE = {
  status: 200,
  description:
    'The sign-in form (text/html): inputs `username` and `password` and a hidden, signed `interaction`, posted to /oauth2/authorize. ' +
    'A failed sign-in shows it again (also 200) with "Invalid username or password.".',
  content: { 'text/html': { schema: { type: 'string' } } },
};
const REDIRECT = {
  status: 303,
  description:
    'To redirect_uri with `code`, `state` and `iss` (RFC 9207), or with `error`, `error_description`, `state` and `iss` ' +
    '(invalid_request, unauthorized_client, unsupported_response_type, invalid_scope, access_denied, login_required, ...).',
  headers: { Location: { description: 'https://app.example.com/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz&iss=https%3A%2F%2Fid.example.com', schema: { type: 'string' } } },
};
const ERROR_PAGE = {
  description:
    'An HTML error page, never a redirect: unknown or disabled client, missing, repeated or unregistered redirect_uri, ' +
    'or a sign-in form whose interaction value is missing, altered, expired or from another browser.',
  content: { 'text/html': { schema: { type: 'string' } } },
};

/**
 * GET and POST /oauth2/authorize (RFC 6749 §4.1, OpenID Connect Core §3.1.2): the
 * authorization endpoint and its sign-in page. The decisions live in AuthorizationFlow;
 * this controller reads the request and renders the outcome.
 */
@ApiTags('oauth2')
@Controller('oauth2/authorize')
@UseFilters(AuthorizePageFilter)
export class AuthorizeController {
  constructor(private readonly flow: AuthorizationFlow) {}

  @Get()
  @ApiOperation({
    summary: 'Authorization endpoint: the sign-in page, or a redirect with a code',
    description:
      'Validates the request against the client (response_type=code, exact redirect_uri, scope, PKCE S256), then shows the sign-in ' +
      'form, or, for a browser signed in within the last 8 hours (the latchkey_session cookie), redirects with a code at once ' +
      '(unless prompt=login or max_age asks to sign in again; prompt=none answers login_required instead of showing the form). ' +
      'Unknown parameters are ignored.',
  })
  @ApiProduces('text/html')
  @ApiResponse(LOGIN_PAGE)
  @ApiResponse(REDIRECT)
  @ApiBadRequestResponse(ERROR_PAGE)
  async authorize(@Query() query: AuthorizationRequestParameters, @Headers('cookie') cookie: string | undefined, @Res() reply: FastifyReply) {
    sendAuthorizeOutcome(reply, await this.flow.authorize(query, cookie));
  }

  @Post()
  @ApiOperation({
    summary: 'The sign-in form, or an authorization request sent as a form',
    description:
      'With `interaction`: the sign-in form. The interaction value must be unaltered, at most 10 minutes old, and posted by the ' +
      'browser it was shown to (the latchkey_interaction cookie). On success the browser gets the latchkey_session cookie and a 303 ' +
      'to redirect_uri with the code. Without `interaction`: an authorization request, handled as with GET (OpenID Connect Core §3.1.2.1).',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: AuthorizationFormBody })
  @ApiProduces('text/html')
  @ApiResponse(LOGIN_PAGE)
  @ApiResponse(REDIRECT)
  @ApiBadRequestResponse(ERROR_PAGE)
  @ApiResponse({ status: 415, description: 'The body is not application/x-www-form-urlencoded (an HTML error page).' })
  async submit(@Req() request: FastifyRequest, @Body() body: unknown, @Headers('cookie') cookie: string | undefined, @Res() reply: FastifyReply) {
    sendAuthorizeOutcome(reply, await this.flow.submit(formBody(request, body), cookie, request.ip));
  }
}

/** The parsed form, or null when the body was not a readable application/x-www-form-urlencoded one. */
function formBody(request: FastifyRequest, body: unknown): Record<string, unknown> | null {
  if (body instanceof UnreadableBody || request.bodyFormat !== 'form' || typeof body !== 'object' || body === null) return null;
  return body as Record<string, unknown>;
}
