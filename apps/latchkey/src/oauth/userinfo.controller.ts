import { Body, Controller, Get, Header, HttpCode, Post, Req, UseFilters } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiForbiddenResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { LatchkeyEnvironment, resolveIssuer } from '@latchkey/config';
import { UserinfoService, type UserinfoClaims } from '@latchkey/token-exchange';
import type { FastifyRequest } from 'fastify';
import { endpointUrls, formParameters } from './oauth-request.js';
import { UserinfoErrorFilter } from './userinfo-error.filter.js';
import { UserinfoRequestForm, UserinfoResponseBody } from './userinfo.dto.js';

const DESCRIPTION =
  'The access token comes as `Authorization: Bearer <token>`, as `Authorization: DPoP <token>` with a `DPoP` proof header ' +
  '(required for DPoP-bound tokens, whose proof must carry htm, htu and ath), or (POST only) as `access_token` in a form body, ' +
  'never two ways at once. SigV4 credentials issued by the aws-signin dialect sign the request instead: ' +
  '`Authorization: AWS4-HMAC-SHA256 Credential=<accessKeyId>/<date>/<region>/<service>/aws4_request, SignedHeaders=..., Signature=...` ' +
  '(any region and service; host and x-amz-date signed) with `X-Amz-Date` (within 15 minutes) and `X-Amz-Security-Token` (the session token). The token needs scope openid and a user; name comes with scope profile, email with scope email. ' +
  'Errors carry a WWW-Authenticate challenge (RFC 6750 §3, RFC 9449 §7.1).';

/** GET and POST /oauth2/userinfo (OpenID Connect Core §5.3). */
@ApiTags('oauth2')
@Controller('oauth2/userinfo')
@UseFilters(UserinfoErrorFilter)
@ApiHeader({ name: 'Authorization', required: false, description: 'Bearer <access token>, DPoP <access token>, or AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...' })
@ApiHeader({ name: 'DPoP', required: false, description: 'A DPoP proof JWT (RFC 9449 §7), with the DPoP scheme' })
@ApiOkResponse({ type: UserinfoResponseBody })
@ApiBadRequestResponse({ schema: { example: { error: 'invalid_request', error_description: 'Send the access token one way only: in the Authorization header or in the body.' } } })
@ApiUnauthorizedResponse({
  description: 'No token, or an invalid, expired or revoked one, a disabled user, or a DPoP mismatch (with WWW-Authenticate)',
  schema: { example: { error: 'invalid_token', error_description: 'The access token is invalid, expired or revoked.' } },
})
@ApiForbiddenResponse({
  description: 'The token lacks scope openid, or describes no user (client_credentials)',
  schema: { example: { error: 'insufficient_scope', error_description: 'The access token lacks the openid scope.' } },
})
export class UserinfoController {
  private readonly issuer: string;

  constructor(
    env: LatchkeyEnvironment,
    private readonly userinfo: UserinfoService,
  ) {
    this.issuer = resolveIssuer(env);
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({ summary: 'The signed-in user, as the access token allows (OpenID Connect UserInfo)', description: DESCRIPTION })
  get(@Req() request: FastifyRequest): Promise<UserinfoClaims> {
    return this.userinfo.userinfo({
      authorization: request.headers.authorization,
      dpop: request.headers.dpop,
      method: 'GET',
      urls: endpointUrls(request, this.issuer),
      target: request.url,
      headers: request.headers,
    });
  }

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({ summary: 'The signed-in user, as the access token allows (OpenID Connect UserInfo, POST)', description: DESCRIPTION })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: UserinfoRequestForm, required: false })
  post(@Req() request: FastifyRequest, @Body() body: unknown): Promise<UserinfoClaims> {
    // A POST may come without a body (the token in the header); a body must be a form.
    const params = body === undefined || body === null ? {} : formParameters(request, body);
    return this.userinfo.userinfo({
      authorization: request.headers.authorization,
      dpop: request.headers.dpop,
      bodyToken: params.access_token,
      method: 'POST',
      urls: endpointUrls(request, this.issuer),
      target: request.url,
      headers: request.headers,
    });
  }
}
