import { Body, Controller, Headers, HttpCode, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { LatchkeyEnvironment, resolveIssuer } from '@latchkey/config';
import { TokenExchangeService, type TokenResult } from '@latchkey/token-exchange';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OAuthErrorFilter } from './oauth-error.filter.js';
import { clientAuthentication, endpointUrls, formParameters } from './oauth-request.js';
import { TokenRequestForm, TokenResponseBody } from './token.dto.js';

/** POST /oauth2/token (RFC 6749 §3.2): the standard dialect of the token exchange. */
@ApiTags('oauth2')
@Controller('oauth2/token')
@UseFilters(OAuthErrorFilter)
export class TokenController {
  private readonly issuer: string;

  constructor(
    env: LatchkeyEnvironment,
    private readonly exchange: TokenExchangeService,
  ) {
    this.issuer = resolveIssuer(env);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Token endpoint: authorization_code (with PKCE), refresh_token (rotating), client_credentials',
    description:
      'Client authentication: client_secret_basic, client_secret_post, or none for public clients (PKCE required). ' +
      'With a DPoP header (RFC 9449) the access token is bound to the key (token_type DPoP), and for public clients the refresh token too.',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: TokenRequestForm })
  @ApiHeader({ name: 'DPoP', required: false, description: 'A DPoP proof JWT (RFC 9449)' })
  @ApiOkResponse({ type: TokenResponseBody })
  @ApiBadRequestResponse({ schema: { example: { error: 'invalid_grant', error_description: 'The authorization code is invalid.' } } })
  @ApiUnauthorizedResponse({ schema: { example: { error: 'invalid_client', error_description: 'Client authentication failed.' } } })
  @ApiTooManyRequestsResponse({
    description: 'Over RATE_LIMIT_PER_MINUTE (per IP, per client) or AUTH_FAILURE_LIMIT_PER_MINUTE (failed client authentications)',
    headers: { 'Retry-After': { description: 'Seconds until the limit resets', schema: { type: 'integer', example: 42 } } },
    schema: { example: { error: 'temporarily_unavailable', error_description: 'Too many requests. Try again in 42 seconds.' } },
  })
  async token(@Req() request: FastifyRequest, @Body() body: unknown, @Headers('dpop') dpop: string | undefined, @Res() reply: FastifyReply) {
    const params = formParameters(request, body);
    const result = await this.exchange.exchange({
      grantType: params.grant_type ?? '',
      client: clientAuthentication(request, params),
      code: params.code,
      redirectUri: params.redirect_uri,
      codeVerifier: params.code_verifier,
      refreshToken: params.refresh_token,
      scope: params.scope,
      profile: 'standard',
      dpop: dpop === undefined ? undefined : { proof: request.headers.dpop, method: 'POST', urls: endpointUrls(request, this.issuer) },
    }, { ip: request.ip });
    void reply.status(200).header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send(toTokenResponse(result));
  }
}

function toTokenResponse(result: TokenResult): TokenResponseBody {
  return {
    access_token: result.accessToken,
    token_type: result.tokenType,
    expires_in: result.expiresIn,
    ...(result.refreshToken ? { refresh_token: result.refreshToken } : {}),
    ...(result.idToken ? { id_token: result.idToken } : {}),
    ...(result.scope ? { scope: result.scope } : {}),
  };
}
