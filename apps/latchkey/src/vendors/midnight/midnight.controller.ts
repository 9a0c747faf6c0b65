import { Controller, HttpCode, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiExtraModels, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { TokenExchangeService } from '@latchkey/token-exchange';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { dialectErrorFilter } from '../common/dialect-error.filter.js';
import { responseFormat, sendNegotiated } from '../common/negotiated-reply.js';
import { renderMidnightError } from './midnight-error.renderer.js';
import { AuthTokenResponseModel, MidnightError, OAuth2AuthTokenRequestModel } from './midnight-token.dto.js';
import { fromTokenResult, midnightFields, readMidnightRequest, toTokenRequest } from './midnight-token.mapper.js';
import { MIDNIGHT_BAD_REQUEST, MIDNIGHT_NOT_ACCEPTABLE, MIDNIGHT_OK, MIDNIGHT_REQUEST_BODY, MIDNIGHT_SERVER_ERROR, MIDNIGHT_UNSUPPORTED } from './midnight.openapi.js';

const TOKEN_PATH = 'v1/Token/OAuth2/AuthorizationCode';

/**
 * The same path in any letter case (ASP.NET routes ignore case, Fastify's do not): one
 * find-my-way regular-expression parameter per segment. The exact spelling above is a
 * static route, which the router prefers; this one takes every other spelling.
 */
const ANY_CASE_TOKEN_PATH = TOKEN_PATH.split('/')
  .map((segment, i) => `:midnight${i}(^${[...segment].map((c) => (/[a-z]/i.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c)).join('')}$)`)
  .join('/');

/** midnight (DESIGN.md §4): POST v1/Token/OAuth2/AuthorizationCode, ASP.NET Web API 2 conventions. */
@ApiTags('midnight')
@ApiExtraModels(OAuth2AuthTokenRequestModel, AuthTokenResponseModel, MidnightError)
@Controller()
@UseFilters(dialectErrorFilter('midnight', renderMidnightError))
export class MidnightController {
  constructor(private readonly exchange: TokenExchangeService) {}

  @Post(TOKEN_PATH)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Validate an OAuth authorization code and return an authorization token for a user',
    description:
      'The path is matched without regard to case. UserPoolWebClientId is a public client of profile midnight whose domain is Domain; ' +
      'the code must have been issued to it for RedirectUri with a PKCE challenge that CodeVerifier answers. Midnight has no refresh endpoint.',
    requestBody: MIDNIGHT_REQUEST_BODY,
  })
  @ApiResponse(MIDNIGHT_OK)
  @ApiResponse(MIDNIGHT_BAD_REQUEST)
  @ApiResponse(MIDNIGHT_NOT_ACCEPTABLE)
  @ApiResponse(MIDNIGHT_UNSUPPORTED)
  @ApiResponse(MIDNIGHT_SERVER_ERROR)
  async token(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    await this.redeem(request, reply);
  }

  @Post(ANY_CASE_TOKEN_PATH)
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async tokenAnyCase(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    await this.redeem(request, reply);
  }

  /** 415 for the body, then 406 for Accept, then validation: nothing is redeemed before all three pass. */
  private async redeem(request: FastifyRequest, reply: FastifyReply) {
    const fields = midnightFields(request, request.body);
    const format = responseFormat(request);
    const result = await this.exchange.exchange(toTokenRequest(readMidnightRequest(request, fields)), { ip: request.ip });
    sendNegotiated(reply, fromTokenResult(result), format);
  }
}
