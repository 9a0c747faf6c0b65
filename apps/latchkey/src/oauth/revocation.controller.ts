import { Body, Controller, Header, HttpCode, Post, Req, UseFilters } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { TokenRevocationService } from '@latchkey/token-exchange';
import type { FastifyRequest } from 'fastify';
import { OAuthErrorFilter } from './oauth-error.filter.js';
import { clientAuthentication, formParameters } from './oauth-request.js';
import { RevocationRequestForm } from './revocation.dto.js';

/** POST /oauth2/revoke (RFC 7009). */
@ApiTags('oauth2')
@Controller('oauth2/revoke')
@UseFilters(OAuthErrorFilter)
export class RevocationController {
  constructor(private readonly revocation: TokenRevocationService) {}

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({
    summary: 'Revoke an access token or a refresh token (RFC 7009)',
    description:
      'Client authentication as at the token endpoint: client_secret_basic, client_secret_post, or client_id alone for public clients. ' +
      'Revoking a refresh token revokes its whole family (the grant, with every refresh and access token issued from it); ' +
      'revoking an access token revokes that token only. The answer is 200 with an empty body whether or not the token was known, ' +
      'and also for a token of another client, which is left alone.',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: RevocationRequestForm })
  @ApiOkResponse({ description: 'Revoked, or nothing to revoke (empty body)' })
  @ApiBadRequestResponse({ schema: { example: { error: 'invalid_request', error_description: 'The token parameter is required.' } } })
  @ApiUnauthorizedResponse({ schema: { example: { error: 'invalid_client', error_description: 'Client authentication failed.' } } })
  async revoke(@Req() request: FastifyRequest, @Body() body: unknown): Promise<void> {
    const params = formParameters(request, body);
    await this.revocation.revoke({ client: clientAuthentication(request, params), token: params.token, tokenTypeHint: params.token_type_hint }, { ip: request.ip });
  }
}
