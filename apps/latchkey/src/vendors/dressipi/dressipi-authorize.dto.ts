import { ApiProperty } from '@nestjs/swagger';
import { Equals, IsDefined, IsIn, IsString, Matches, MaxLength, type ValidationArguments } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { NO_STORE, type DialectResponse } from '../common/dialect-response.js';
import { checkParameters, OOB_REDIRECT_URI, ownParameters } from './dressipi-parameters.js';

/** XML answers: the root element of the authorize answer (the vendor documents JSON only). */
export const AUTHORIZE_RESPONSE_XML_ROOT = 'authorize_response';

/** The query parameters of GET /oauth/authorize, in the order the vendor documents (and this dialect checks) them. */
export const AUTHORIZE_PARAMETERS = ['redirect_uri', 'response_type', 'client_id', 'state', 'code_challenge', 'code_challenge_method'] as const;

const required = (args: ValidationArguments) => `The ${args.property} parameter is required.`;
const string = (args: ValidationArguments) => `The ${args.property} parameter must be a string.`;
const tooLong = (args: ValidationArguments) => `The ${args.property} parameter must be at most ${String(args.constraints[0])} characters.`;

/** GET /oauth/authorize: code flow only, PKCE S256 mandatory, out-of-band redirect URI. */
export class DressipiAuthorizeQuery {
  @ApiProperty({ enum: [OOB_REDIRECT_URI], example: OOB_REDIRECT_URI })
  @IsDefined({ message: required })
  @IsString({ message: string })
  @Equals(OOB_REDIRECT_URI, { message: `The redirect_uri parameter must be ${OOB_REDIRECT_URI}.` })
  redirect_uri: string;

  @ApiProperty({ enum: ['code'], example: 'code' })
  @IsDefined({ message: required })
  @IsString({ message: string })
  @IsIn(['code'], { message: 'Only response_type=code is supported.', context: { error: 'unsupported_response_type' } })
  response_type: 'code';

  @ApiProperty({ description: 'The API client id supplied by dressipi', example: 'dressipi-web' })
  @IsDefined({ message: required })
  @IsString({ message: string })
  @MaxLength(512, { message: tooLong })
  client_id: string;

  @ApiProperty({ description: 'Returned unchanged with the code', example: 'af0ifjsldkj' })
  @IsDefined({ message: required })
  @IsString({ message: string })
  @MaxLength(2048, { message: tooLong })
  state: string;

  @ApiProperty({
    description: 'BASE64URL(SHA-256(code_verifier)), 43 characters (RFC 7636 appendix A)',
    example: 'p7CN1Zi4o5ARn1mYNvNFvj2r5cKkr2k6y7a573eHJXQ',
  })
  @IsDefined({ message: 'PKCE is mandatory: the code_challenge parameter is required.' })
  @IsString({ message: string })
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'The code_challenge must be the 43-character base64url SHA-256 of the code_verifier.' })
  code_challenge: string;

  @ApiProperty({ enum: ['S256'], description: 'Only S256 is supported', example: 'S256' })
  @IsDefined({ message: 'The code_challenge_method parameter is required and must be S256.' })
  @IsString({ message: string })
  @Equals('S256', { message: 'Only the S256 code_challenge_method is supported.' })
  code_challenge_method: 'S256';
}

/** The authorize request's query parameters, each at most once, validated in the documented order. */
export function readAuthorizeQuery(request: FastifyRequest): DressipiAuthorizeQuery {
  return checkParameters(DressipiAuthorizeQuery, ownParameters(request.query, AUTHORIZE_PARAMETERS), AUTHORIZE_PARAMETERS);
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
