import { Controller, HttpCode, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { TokenExchangeService } from '@latchkey/token-exchange';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { dialectErrorFilter } from '../common/dialect-error.filter.js';
import { responseFormat, sendNegotiated } from '../common/negotiated-reply.js';
import { renderHuaweiError } from './huawei-error.renderer.js';
import { HuaweiError, HuaweiTokenRequest, HuaweiTokenResponse } from './huawei-token.dto.js';
import { fromTokenResult, huaweiFields, readHuaweiRequest, toTokenRequest } from './huawei-token.mapper.js';
import {
  HUAWEI_BAD_REQUEST,
  HUAWEI_NOT_ACCEPTABLE,
  HUAWEI_OK,
  HUAWEI_REQUEST_BODY,
  HUAWEI_SERVER_ERROR,
  HUAWEI_UNAUTHORIZED,
  HUAWEI_UNSUPPORTED,
} from './huawei.openapi.js';

/** huawei (DESIGN.md §4): POST /api/v1/oauth2/token, Huawei OneAccess conventions. */
@ApiTags('huawei')
@ApiExtraModels(HuaweiTokenRequest, HuaweiTokenResponse, HuaweiError)
@Controller('api/v1/oauth2/token')
@UseFilters(dialectErrorFilter('huawei', renderHuaweiError))
export class HuaweiTokenController {
  constructor(private readonly exchange: TokenExchangeService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Obtain an ID token (and access token) for an authorization code; refresh',
    description:
      'grant_type=authorization_code with code, client_id, client_secret, redirect_uri (and code_verifier when the code has a PKCE ' +
      'challenge), or grant_type=refresh_token with client_id, client_secret, refresh_token. Refresh tokens rotate: a used one revokes ' +
      'its whole family. Codes come from GET /api/v1/oauth2/authorize (the same sign-in page as /oauth2/authorize).',
    requestBody: HUAWEI_REQUEST_BODY,
  })
  @ApiResponse(HUAWEI_OK)
  @ApiResponse(HUAWEI_BAD_REQUEST)
  @ApiResponse(HUAWEI_UNAUTHORIZED)
  @ApiResponse(HUAWEI_NOT_ACCEPTABLE)
  @ApiResponse(HUAWEI_UNSUPPORTED)
  @ApiResponse(HUAWEI_SERVER_ERROR)
  async token(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const fields = huaweiFields(request, request.body);
    const format = responseFormat(request);
    const result = await this.exchange.exchange(toTokenRequest(request, readHuaweiRequest(request, fields)), { ip: request.ip });
    sendNegotiated(reply, fromTokenResult(result), format);
  }
}
