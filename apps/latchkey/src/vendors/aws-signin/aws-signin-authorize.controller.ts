import { Controller, Get, Headers, Query, Res, UseFilters } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOperation, ApiProduces, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthorizationFlow } from '@latchkey/authorization';
import type { FastifyReply } from 'fastify';
import { AuthorizePageFilter } from '../../oauth/authorize/authorize-page.filter.js';
import { sendAuthorizeOutcome } from '../../oauth/authorize/authorize-reply.js';
import { AuthorizationRequestParameters } from '../../oauth/authorize/authorize.dto.js';

/** The parameters as AWS's CLI sends them (documentation only: read as sent). */
class AwsSigninAuthorizeParameters extends AuthorizationRequestParameters {
  @ApiPropertyOptional({ enum: ['SHA-256', 'S256'], example: 'SHA-256', description: 'AWS writes SHA-256; it means S256.' })
  declare code_challenge_method?: string;
}

/**
 * The authorization request with AWS's spelling of the PKCE method (`SHA-256` for S256);
 * everything else as sent, for the standard authorization flow to check.
 */
export function awsAuthorizeParameters(query: Record<string, unknown>): Record<string, unknown> {
  return query.code_challenge_method === 'SHA-256' ? { ...query, code_challenge_method: 'S256' } : query;
}

/**
 * GET /v1/authorize: AWS Sign-In's authorization endpoint (response_type=code, client_id,
 * state, code_challenge, code_challenge_method, scope, redirect_uri), leading to the same
 * sign-in page as /oauth2/authorize (which its form posts to) and redirecting with code,
 * state and iss; the code goes to POST /v1/token.
 */
@ApiTags('aws-signin')
@Controller('v1/authorize')
@UseFilters(AuthorizePageFilter)
export class AwsSigninAuthorizeController {
  constructor(private readonly flow: AuthorizationFlow) {}

  @Get()
  @ApiOperation({
    summary: 'Authorization endpoint of AWS Sign-In: the sign-in page, or a redirect with a code',
    description:
      'The same flow as GET /oauth2/authorize (client, exact redirect_uri, scope and PKCE checks; sign-in page; session cookie), with ' +
      'code_challenge_method=SHA-256 accepted as S256. The code goes to POST /v1/token.',
  })
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'The sign-in form (text/html), as at /oauth2/authorize.', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiResponse({ status: 303, description: 'To redirect_uri with code, state and iss, or with an error.' })
  @ApiBadRequestResponse({ description: 'An HTML error page: unknown client or unregistered redirect_uri.', content: { 'text/html': { schema: { type: 'string' } } } })
  async authorize(@Query() query: AwsSigninAuthorizeParameters, @Headers('cookie') cookie: string | undefined, @Res() reply: FastifyReply) {
    sendAuthorizeOutcome(reply, await this.flow.authorize(awsAuthorizeParameters(query as unknown as Record<string, unknown>), cookie));
  }
}
