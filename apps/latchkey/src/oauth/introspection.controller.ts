import { Body, Controller, Header, HttpCode, Post, Req, UseFilters } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { TokenIntrospectionService, type IntrospectionResponse } from '@latchkey/token-exchange';
import type { FastifyRequest } from 'fastify';
import { IntrospectionRequestForm, IntrospectionResponseBody } from './introspection.dto.js';
import { OAuthErrorFilter } from './oauth-error.filter.js';
import { clientAuthentication, formParameters } from './oauth-request.js';

/** POST /oauth2/introspect (RFC 7662). */
@ApiTags('oauth2')
@Controller('oauth2/introspect')
@UseFilters(OAuthErrorFilter)
export class IntrospectionController {
  constructor(private readonly introspection: TokenIntrospectionService) {}

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({
    summary: 'Introspect an access token or a refresh token (RFC 7662)',
    description:
      'For confidential clients authenticated with client_secret_basic or client_secret_post; a public client gets 401 invalid_client. ' +
      'A client learns about its own tokens and about access tokens whose aud names it; any other token, and any unknown, expired or ' +
      'revoked one, is answered {"active": false}.',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: IntrospectionRequestForm })
  @ApiOkResponse({
    type: IntrospectionResponseBody,
    content: {
      'application/json': {
        examples: {
          access_token: {
            value: {
              active: true,
              scope: 'openid profile',
              client_id: 'my-app',
              username: 'ada',
              token_type: 'DPoP',
              token_use: 'access_token',
              exp: 1795000000,
              iat: 1794996400,
              sub: '3f1c2a9e-8d4b-4f6a-9c1e-2b7d5a0e4f81',
              aud: 'https://id.example.com',
              iss: 'https://id.example.com',
              jti: 'x3B1bQ8Yq2W0m3x9sP0y6A',
              cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' },
            },
          },
          refresh_token: {
            value: {
              active: true,
              scope: 'openid offline_access',
              client_id: 'my-app',
              username: 'ada',
              token_use: 'refresh_token',
              exp: 1797588400,
              iat: 1794996400,
              sub: '3f1c2a9e-8d4b-4f6a-9c1e-2b7d5a0e4f81',
              iss: 'https://id.example.com',
            },
          },
          inactive: { value: { active: false } },
        },
      },
    },
  })
  @ApiBadRequestResponse({ schema: { example: { error: 'invalid_request', error_description: 'The token parameter is required.' } } })
  @ApiUnauthorizedResponse({ schema: { example: { error: 'invalid_client', error_description: 'Introspection requires client authentication.' } } })
  introspect(@Req() request: FastifyRequest, @Body() body: unknown): Promise<IntrospectionResponse> {
    const params = formParameters(request, body);
    return this.introspection.introspect({ client: clientAuthentication(request, params), token: params.token, tokenTypeHint: params.token_type_hint }, { ip: request.ip });
  }
}
