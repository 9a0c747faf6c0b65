import { Controller, HttpCode, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExtraModels, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { LatchkeyEnvironment, resolveIssuer } from '@latchkey/config';
import { TokenExchangeService } from '@latchkey/token-exchange';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { dialectErrorFilter } from '../common/dialect-error.filter.js';
import { responseFormat, sendNegotiated } from '../common/negotiated-reply.js';
import { renderAwsSigninError } from './aws-signin-error.renderer.js';
import { AwsAccessToken, AwsSigninErrorBody, CreateOAuth2TokenRequestBody, CreateOAuth2TokenResponseBody } from './aws-signin-token.dto.js';
import { awsSigninFields, dpopOf, fromTokenResult, readAwsSigninRequest, toTokenRequest } from './aws-signin-token.mapper.js';
import {
  AWS_SIGNIN_BAD_REQUEST,
  AWS_SIGNIN_NOT_ACCEPTABLE,
  AWS_SIGNIN_OK,
  AWS_SIGNIN_REQUEST_BODY,
  AWS_SIGNIN_SERVER_ERROR,
  AWS_SIGNIN_TOO_MANY,
  AWS_SIGNIN_UNSUPPORTED,
} from './aws-signin.openapi.js';

/** aws-signin (DESIGN.md §4): POST /v1/token, AWS Sign-In's CreateOAuth2Token. */
@ApiTags('aws-signin')
@ApiExtraModels(CreateOAuth2TokenRequestBody, CreateOAuth2TokenResponseBody, AwsAccessToken, AwsSigninErrorBody)
@Controller('v1/token')
@UseFilters(dialectErrorFilter('aws-signin', renderAwsSigninError))
export class AwsSigninController {
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
    summary: 'CreateOAuth2Token: exchange an authorization code, or a refresh token, for SigV4 credentials',
    description:
      'clientId is a public client of profile aws-signin (arn:aws:signin:::devtools/same-device or cross-device). Codes come from ' +
      'GET /v1/authorize (or /oauth2/authorize) with PKCE. Refresh tokens rotate with reuse detection and are bound to the DPoP key; a ' +
      'refresh with a proof of another key is refused.',
    requestBody: AWS_SIGNIN_REQUEST_BODY,
  })
  @ApiHeader({ name: 'DPoP', required: true, description: 'ES256 DPoP proof JWT (RFC 9449): typ dpop+jwt, jwk, htm, htu, iat, jti' })
  @ApiResponse(AWS_SIGNIN_OK)
  @ApiResponse(AWS_SIGNIN_BAD_REQUEST)
  @ApiResponse(AWS_SIGNIN_NOT_ACCEPTABLE)
  @ApiResponse(AWS_SIGNIN_UNSUPPORTED)
  @ApiResponse(AWS_SIGNIN_TOO_MANY)
  @ApiResponse(AWS_SIGNIN_SERVER_ERROR)
  async token(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    // 415 for the body, then 406 for Accept, then the vendor's validation: nothing is redeemed before all three pass.
    const fields = awsSigninFields(request);
    const format = responseFormat(request);
    const body = readAwsSigninRequest(fields);
    const result = await this.exchange.exchange(toTokenRequest(body, dpopOf(request, this.issuer)), { ip: request.ip });
    sendNegotiated(reply, fromTokenResult(result, body.grantType), format);
  }
}
