import { ApiProperty } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { NO_STORE, type DialectResponse } from '../common/dialect-response.js';
import { checkParameters, equalTo, OOB_REDIRECT_URI, ownParameters, type ParameterRules } from './dressipi-parameters.js';

/** XML answers: the root element of the authorize answer (the vendor documents JSON only). */
export const AUTHORIZE_RESPONSE_XML_ROOT = 'authorize_response';

/** RFC 7636 appendix A: BASE64URL(SHA-256(code_verifier)), 43 characters. */
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** The query parameters of GET /oauth/authorize and their rules, in the order the vendor documents (and this dialect checks) them. */
const AUTHORIZE_RULES = {
  redirect_uri: { required: true, value: equalTo(OOB_REDIRECT_URI, `The redirect_uri parameter must be ${OOB_REDIRECT_URI}.`) },
  response_type: { required: true, value: { ...equalTo('code', 'Only response_type=code is supported.'), error: 'unsupported_response_type' } },
  client_id: { required: true, maxLength: 512 },
  state: { required: true, maxLength: 2048 },
  code_challenge: {
    required: 'PKCE is mandatory: the code_challenge parameter is required.',
    value: { test: (value) => CODE_CHALLENGE.test(value), message: 'The code_challenge must be the 43-character base64url SHA-256 of the code_verifier.' },
  },
  code_challenge_method: {
    required: 'The code_challenge_method parameter is required and must be S256.',
    value: equalTo('S256', 'Only the S256 code_challenge_method is supported.'),
  },
} satisfies ParameterRules<string>;

export const AUTHORIZE_PARAMETERS = Object.keys(AUTHORIZE_RULES) as Array<keyof typeof AUTHORIZE_RULES>;

/** GET /oauth/authorize: code flow only, PKCE S256 mandatory, out-of-band redirect URI. */
export class DressipiAuthorizeQuery {
  @ApiProperty({ enum: [OOB_REDIRECT_URI], example: OOB_REDIRECT_URI })
  redirect_uri: string;

  @ApiProperty({ enum: ['code'], example: 'code' })
  response_type: 'code';

  @ApiProperty({ description: 'The API client id supplied by dressipi', example: 'dressipi-web' })
  client_id: string;

  @ApiProperty({ description: 'Returned unchanged with the code', example: 'af0ifjsldkj' })
  state: string;

  @ApiProperty({
    description: 'BASE64URL(SHA-256(code_verifier)), 43 characters (RFC 7636 appendix A)',
    example: 'p7CN1Zi4o5ARn1mYNvNFvj2r5cKkr2k6y7a573eHJXQ',
  })
  code_challenge: string;

  @ApiProperty({ enum: ['S256'], description: 'Only S256 is supported', example: 'S256' })
  code_challenge_method: 'S256';
}

/** The authorize request's query parameters, each at most once, validated in the documented order. */
export function readAuthorizeQuery(request: FastifyRequest): DressipiAuthorizeQuery {
  // The rules require every parameter.
  return checkParameters(AUTHORIZE_RULES, ownParameters(request.query, AUTHORIZE_PARAMETERS)) as DressipiAuthorizeQuery;
}

/** The new code, with the request's state. */
export class DressipiAuthorizeResponse {
  @ApiProperty({ description: 'The grant code: exchange it at POST /oauth/token within 60 seconds, once', example: 'SplxlOBeZQQYbYS6WxSbIA8xJ3kqD5ZG0sFvQ2h4T1c' })
  code: string;

  @ApiProperty({ description: 'The state of the request', example: 'af0ifjsldkj' })
  state: string;
}

export function authorizeResponse(code: string, state: string): DialectResponse {
  const body: DressipiAuthorizeResponse = { code, state };
  return {
    status: 200,
    headers: { ...NO_STORE },
    body: { json: body, xml: { root: AUTHORIZE_RESPONSE_XML_ROOT, content: { ...body }, declaration: true } },
  };
}
