import { Injectable } from '@nestjs/common';
import { AnonymousAuthorization, TokenExchangeService } from '@latchkey/token-exchange';
import type { FastifyRequest } from 'fastify';
import type { DialectResponse } from '../common/dialect-response.js';
import { authorizeResponse, readAuthorizeQuery } from './dressipi-authorize.dto.js';
import { OOB_REDIRECT_URI, requireApiKey } from './dressipi-parameters.js';
import { readTokenRequest, toTokenRequest } from './dressipi-token-request.dto.js';
import { fromTokenResult } from './dressipi-token-response.dto.js';

/**
 * The dressipi dialect: maps the vendor's requests onto the core and back. Token requests
 * go through TokenExchangeService; the out-of-band authorize through AnonymousAuthorization.
 */
@Injectable()
export class DressipiDialect {
  constructor(
    private readonly exchange: TokenExchangeService,
    private readonly anonymous: AnonymousAuthorization,
  ) {}

  /** POST /oauth/token. The x-dressipi-jwt header is not read. */
  async token(request: FastifyRequest, body: unknown): Promise<DialectResponse> {
    const apiKey = requireApiKey(request);
    const params = readTokenRequest(request, body);
    return fromTokenResult(await this.exchange.exchange(toTokenRequest(params, apiKey), { ip: request.ip }));
  }

  /** GET /oauth/authorize: a code for a new anonymous profile of the client, no login page. */
  async authorize(request: FastifyRequest): Promise<DialectResponse> {
    const apiKey = requireApiKey(request);
    const query = readAuthorizeQuery(request);
    const { code } = await this.anonymous.authorize(
      { clientId: query.client_id, apiKey, profile: 'dressipi', redirectUri: OOB_REDIRECT_URI, codeChallenge: query.code_challenge },
      { ip: request.ip },
    );
    return authorizeResponse(code, query.state);
  }
}
