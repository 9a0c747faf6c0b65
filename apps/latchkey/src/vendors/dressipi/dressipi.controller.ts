import { Body, Controller, Get, HttpCode, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExtraModels, ApiHeader, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { responseFormat, sendNegotiated } from '../common/negotiated-reply.js';
import { DressipiAuthorizeQuery, DressipiAuthorizeResponse } from './dressipi-authorize.dto.js';
import { DressipiErrorBody, DressipiErrorFilter } from './dressipi-error.filter.js';
import { DressipiTokenRequest } from './dressipi-token-request.dto.js';
import { DressipiTokenResponse } from './dressipi-token-response.dto.js';
import { DressipiDialect } from './dressipi.service.js';
import { AUTHORIZE_DOCS, TOKEN_DOCS, dressipiResponses } from './dressipi.swagger.js';

/**
 * The dressipi dialect (DESIGN.md §4): POST /oauth/token and the out-of-band
 * GET /oauth/authorize, in JSON or XML by Accept.
 */
@ApiTags('dressipi')
@ApiExtraModels(DressipiTokenRequest, DressipiTokenResponse, DressipiAuthorizeQuery, DressipiAuthorizeResponse, DressipiErrorBody)
@ApiHeader({ name: 'x-api-key', required: true, description: 'The API key dressipi supplied with client_id' })
@ApiHeader({ name: 'x-dressipi-jwt', required: false, description: "The JWT for the user: accepted and ignored" })
@ApiProduces('application/json', 'application/xml')
@Controller('oauth')
@UseFilters(DressipiErrorFilter)
export class DressipiController {
  constructor(private readonly dressipi: DressipiDialect) {}

  @Post('token')
  @HttpCode(200)
  @ApiOperation(TOKEN_DOCS)
  @dressipiResponses('token')
  async token(@Req() request: FastifyRequest, @Body() body: unknown, @Res() reply: FastifyReply) {
    const format = responseFormat(request);
    sendNegotiated(reply, await this.dressipi.token(request, body), format);
  }

  @Get('authorize')
  @ApiOperation(AUTHORIZE_DOCS)
  @dressipiResponses('authorize')
  async authorize(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const format = responseFormat(request);
    sendNegotiated(reply, await this.dressipi.authorize(request), format);
  }
}
