import { Controller, Get, Headers, Query, Res, UseFilters } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthorizationFlow } from '@latchkey/authorization';
import type { FastifyReply } from 'fastify';
import { AuthorizePageFilter } from '../../oauth/authorize/authorize-page.filter.js';
import { sendAuthorizeOutcome } from '../../oauth/authorize/authorize-reply.js';
import { AuthorizationRequestParameters } from '../../oauth/authorize/authorize.dto.js';

/**
 * GET /api/v1/oauth2/authorize: OneAccess's authorization path, an alias of GET
 * /oauth2/authorize (the same flow, the same sign-in page, which posts to /oauth2/authorize).
 */
@ApiTags('huawei')
@Controller('api/v1/oauth2/authorize')
@UseFilters(AuthorizePageFilter)
export class HuaweiAuthorizeController {
  constructor(private readonly flow: AuthorizationFlow) {}

  @Get()
  @ApiOperation({
    summary: 'Authorization endpoint (alias of GET /oauth2/authorize): the sign-in page, or a redirect with a code',
    description: 'Exactly GET /oauth2/authorize: the same parameters, checks, sign-in page and redirects. The code goes to POST /api/v1/oauth2/token.',
  })
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'The sign-in form (text/html), as at /oauth2/authorize.', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiResponse({ status: 303, description: 'To redirect_uri with code, state and iss, or with an error.' })
  @ApiBadRequestResponse({ description: 'An HTML error page: unknown client or unregistered redirect_uri.', content: { 'text/html': { schema: { type: 'string' } } } })
  async authorize(@Query() query: AuthorizationRequestParameters, @Headers('cookie') cookie: string | undefined, @Res() reply: FastifyReply) {
    sendAuthorizeOutcome(reply, await this.flow.authorize(query, cookie));
  }
}
