import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { TokenResult } from '@latchkey/token-exchange';
import { NO_STORE, type DialectResponse } from '../common/dialect-response.js';

/** XML answers: the root element of the generated tokens (the vendor documents JSON only). */
export const TOKEN_RESPONSE_XML_ROOT = 'token_response';

/** "The generated tokens", field for field and in the vendor's order. */
export class DressipiTokenResponse {
  @ApiProperty({ description: 'The access token for the user: a JWT verifiable against /oauth2/jwks', example: 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6Ii4uLiJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl' })
  access_token: string;

  @ApiPropertyOptional({
    description: 'The refresh token for the user. A new one at every exchange: store it in place of the old one, which stops working',
    example: 'tGzv3JOkF0XG5Qx2TlKWIAnM8bH1rE4yU7sP0dC9fQk',
  })
  refresh_token?: string;

  @ApiProperty({ type: 'integer', format: 'int32', description: 'The lifetime of the token, in seconds', example: 86400 })
  expires_in: number;

  @ApiProperty({ enum: ['Bearer'], description: 'The access_token type (this will always be Bearer)', example: 'Bearer' })
  token_type: 'Bearer';
}

/** The core's result as dressipi answers it: no scope, no ID token; no-store. */
export function fromTokenResult(result: TokenResult): DialectResponse {
  const body: DressipiTokenResponse = {
    access_token: result.accessToken,
    ...(result.refreshToken ? { refresh_token: result.refreshToken } : {}),
    expires_in: result.expiresIn,
    token_type: 'Bearer',
  };
  return {
    status: 200,
    headers: { ...NO_STORE },
    body: { json: body, xml: { root: TOKEN_RESPONSE_XML_ROOT, content: { ...body }, declaration: true } },
  };
}
